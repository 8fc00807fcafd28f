/**
 * The cross-server bus cursor (server/bus-cursor.ts): rows whose transactions commit out of
 * seq order are each taken once; a missing seq is asked for again until rows above it have
 * been visible for the hold time, then given up; repeats are refused.
 */
import { describe, expect, it } from 'vitest';
import { SeqCursor } from '../../server/bus-cursor.js';

describe('SeqCursor', () => {
  it('reads after the start, and moves its floor with rows read in order', () => {
    const c = new SeqCursor(10, 1_000);
    expect(c.next()).toEqual({ after: 10, missing: [] });
    expect(c.take(11, 0)).toBe(true);
    expect(c.take(12, 0)).toBe(true);
    c.settle(0);
    expect(c.done).toBe(12);
    expect(c.next()).toEqual({ after: 12, missing: [] });
    expect(c.take(12, 1)).toBe(false);
    expect(c.take(5, 1)).toBe(false);
  });

  it('asks again for a seq that is not visible yet, and takes it once when its transaction commits', () => {
    const c = new SeqCursor(0, 1_000);
    // Seq 2 committed before seq 1.
    expect(c.take(2, 0)).toBe(true);
    c.settle(0);
    expect(c.done).toBe(0);
    expect(c.next()).toEqual({ after: 2, missing: [1] });
    expect(c.take(3, 100)).toBe(true);
    c.settle(100);
    expect(c.next()).toEqual({ after: 3, missing: [1] });
    expect(c.take(1, 200)).toBe(true);
    c.settle(200);
    expect(c.done).toBe(3);
    expect(c.next()).toEqual({ after: 3, missing: [] });
    expect(c.take(1, 300)).toBe(false);
    expect(c.take(2, 300)).toBe(false);
  });

  it('gives a missing seq up once rows above it have been visible for the hold time', () => {
    const c = new SeqCursor(0, 1_000);
    c.take(1, 0);
    c.take(4, 0); // 2 and 3 missing (rolled back, or late)
    c.take(6, 900); // 5 missing, noticed later
    c.settle(999);
    expect(c.done).toBe(1);
    expect(c.next().missing).toEqual([2, 3, 5]);
    c.settle(1_000);
    // 2 and 3: row 4 visible for 1 s. 5: row 6 only for 100 ms.
    expect(c.done).toBe(4);
    expect(c.next()).toEqual({ after: 6, missing: [5] });
    c.settle(1_900);
    expect(c.done).toBe(6);
    expect(c.next()).toEqual({ after: 6, missing: [] });
    // A row given up that commits after all is not asked for again.
    expect(c.take(5, 2_000)).toBe(false);
  });

  it('caps the missing seqs it asks for', () => {
    const c = new SeqCursor(0, 1_000, 3);
    c.take(100, 0);
    expect(c.next()).toEqual({ after: 100, missing: [1, 2, 3] });
  });
});
