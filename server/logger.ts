/** The server's logger (pino): JSON lines on stderr, so stdout stays free for the stdio bridge. */
import { destination, type Logger, pino } from 'pino';

export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'switchboard' } }, destination(2));
}
