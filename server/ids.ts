/** Sortable ids: ULIDs (Crockford base32, 26 chars), monotonic within one process. */
import { monotonicFactory } from 'ulidx';

const ulid = monotonicFactory();

/** A new ULID; `now` (ms) sets its time part so ids sort with the injected clock. */
export function newId(now?: number): string {
  return ulid(now);
}
