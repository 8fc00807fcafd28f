/** Sortable ids: ULIDs (Crockford base32, 26 chars), monotonic within one process. */
import { getRandomValues } from 'node:crypto';
import { encodeTime, monotonicFactory } from 'ulidx';

/**
 * Cryptographic random numbers in [0, 1), drawn from a refilled buffer: ulidx's default asks
 * the OS for one byte per character (16 calls per id), which showed in send profiles.
 */
function bufferedRandom(): () => number {
  const buf = new Uint32Array(1024);
  let i = buf.length;
  return () => {
    if (i === buf.length) {
      getRandomValues(buf);
      i = 0;
    }
    return (buf[i++] as number) / 0x1_0000_0000;
  };
}

const ulid = monotonicFactory(bufferedRandom());

/** A new ULID; `now` (ms) sets its time part so ids sort with the injected clock. */
export function newId(now?: number): string {
  return ulid(now);
}

/**
 * The smallest id `newId` can return at or after `ms`: a lower bound for an indexed range
 * over an id column (`id >= idFloor(from)`). Ids carry their time in the first ten characters,
 * and a monotonic id is never earlier than its clock, so no row made at or after `ms` sorts below.
 */
export function idFloor(ms: number): string {
  return `${encodeTime(Math.max(0, Math.floor(ms)), 10)}0000000000000000`;
}
