/**
 * Where a server is in `bus_events` (server/bus-relay.ts). Reading "seq > last seen" would
 * lose events: seqs are taken when a row is inserted but become visible at commit, so two
 * transactions can commit out of order and a smaller seq appear after a larger one. The cursor
 * therefore keeps a floor (every seq at or below it is done) and, above it, the seqs already
 * read; a seq missing below the highest read is awaited until rows above it have been visible
 * for `holdMs` (its transaction rolled back, or committed so late that it is given up).
 */
export interface SeqRead {
  /** Read rows with seq above this... */
  after: number;
  /** ...and these seqs below it, not yet seen (at most `maxMissing`, lowest first). */
  missing: number[];
}

export class SeqCursor {
  /** Every seq at or below the floor has been handled or given up. */
  private floor: number;
  /** Seqs above the floor already read, with the local time (ms) each was read. */
  private readonly seen = new Map<number, number>();
  private top: number;

  constructor(
    start: number,
    private readonly holdMs: number,
    private readonly maxMissing = 1000,
  ) {
    this.floor = start;
    this.top = start;
  }

  /** The seq at or below which everything is done. */
  get done(): number {
    return this.floor;
  }

  /** What to ask for next. */
  next(): SeqRead {
    const missing: number[] = [];
    for (let s = this.floor + 1; s < this.top && missing.length < this.maxMissing; s += 1) {
      if (!this.seen.has(s)) missing.push(s);
    }
    return { after: this.top, missing };
  }

  /** Records that row `seq` was read at `now`; true the first time, false for a repeat. */
  take(seq: number, now: number): boolean {
    if (seq <= this.floor || this.seen.has(seq)) return false;
    this.seen.set(seq, now);
    if (seq > this.top) this.top = seq;
    return true;
  }

  /** Moves the floor up over seqs read and over gaps given up (rows above them visible for `holdMs`). */
  settle(now: number): void {
    if (this.seen.size === 0) return;
    const seqs = [...this.seen.keys()].sort((a, b) => a - b);
    // earliest[i]: when the first of the rows seqs[i..] was read.
    const earliest = new Array<number>(seqs.length);
    let min = Number.POSITIVE_INFINITY;
    for (let i = seqs.length - 1; i >= 0; i -= 1) {
      min = Math.min(min, this.seen.get(seqs[i] as number) as number);
      earliest[i] = min;
    }
    for (let i = 0; i < seqs.length; i += 1) {
      const s = seqs[i] as number;
      if (s > this.floor + 1 && now - (earliest[i] as number) < this.holdMs) break;
      this.floor = s;
      this.seen.delete(s);
    }
  }
}
