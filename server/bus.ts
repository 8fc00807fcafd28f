/**
 * In-process notifications of committed changes. Operations emit after their transaction
 * commits; the MCP push, waiting tool calls and the board's live stream listen. Announcements
 * are best-effort: the database is the truth, so a listener that misses one loses nothing.
 */
import type { Message } from './ops/model.js';

export type BusEvent =
  | {
      type: 'message.created';
      teamId: string;
      messageId: string;
      threadId: string;
      senderId: string;
      recipientIds: string[];
      /** The stored message, so listeners (the push) need not read it back. */
      message?: Message;
    }
  | {
      type: 'task.changed';
      teamId: string;
      taskId: string;
      event: string;
      actorId: string | null;
      /** For `review_submitted`: the verdict (metrics count reviews by it). */
      verdict?: 'approved' | 'changes_requested';
    }
  | { type: 'review.changed'; teamId: string; reviewId: string; taskId: string }
  | { type: 'agent.changed'; teamId: string; agentId: string }
  /** File reservations of these holders changed (some tied to these tasks). */
  | { type: 'reservation.changed'; teamId: string; agentIds: string[]; taskIds: string[] };

/** Where an event came from: absent for this server's own changes. */
export interface BusEventSource {
  /** The instance id of the server sharing the database that made the change (server/bus-relay.ts). */
  origin: string;
}

export type BusListener = (event: BusEvent, source?: BusEventSource) => void;

export interface Bus {
  /** `source` is given for events relayed from another server; absent for this server's own. */
  emit(event: BusEvent, source?: BusEventSource): void;
  /** Returns a function that removes the listener. */
  subscribe(listener: BusListener): () => void;
}

export function createBus(onListenerError: (err: unknown) => void = () => {}): Bus {
  const listeners = new Set<BusListener>();
  return {
    emit(event, source) {
      for (const l of listeners) {
        try {
          l(event, source);
        } catch (err) {
          onListenerError(err);
        }
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
