/** Sortable ids: ULIDs (Crockford base32, 26 chars), monotonic within one process. */
import { getRandomValues } from 'node:crypto';
import { monotonicFactory } from 'ulidx';

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
