/** The server's logger (pino): JSON lines on stderr, so stdout stays free for the stdio bridge. */
import { destination, type Logger, pino } from 'pino';

export function createLogger(level: string): Logger {
  // `service` comes from a mixin, not `base`: the request log (hono-pino) re-binds the root's
  // custom bindings on each request's child, which would write the key twice on every line.
  return pino({ level, mixin: () => ({ service: 'switchboard' }) }, destination(2));
}
