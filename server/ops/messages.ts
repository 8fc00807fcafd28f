/**
 * Messages, threads and inboxes: sending (message-send.ts), the shared mailbox write
 * (mailbox.ts), threads (threads.ts) and the inbox with acks (inbox.ts), re-exported so callers
 * import every message operation from this module.
 */
export * from './inbox.js';
export * from './mailbox.js';
export * from './message-send.js';
export * from './threads.js';
