/**
 * The bounded backlog of an SSE stream (mcp/stream-backlog.ts), on web streams in process: a
 * source standing in for the SDK's stream, a consumer standing in for the socket.
 */
import { describe, expect, it } from 'vitest';
import { boundBacklog } from '../../mcp/stream-backlog.js';

const settle = () => new Promise((r) => setImmediate(r));
const chunk = (n: number, fill = 1) => new Uint8Array(n).fill(fill);

function source() {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let cancelled = false;
  const stream = new ReadableStream<Uint8Array>({
    start: (c) => {
      controller = c;
    },
    cancel: () => {
      cancelled = true;
    },
  });
  return { stream, controller, cancelled: () => cancelled };
}

describe('boundBacklog', () => {
  it('reports a backlog at pauseAtBytes, drops past dropAtBytes, and reports the drain once all is read', async () => {
    const src = source();
    const states: boolean[] = [];
    const dropped: number[] = [];
    const out = boundBacklog(src.stream, {
      pauseAtBytes: 1000,
      dropAtBytes: 2500,
      onBacklog: (b) => states.push(b),
      onDrop: (n) => dropped.push(n),
    });
    // Nobody reads: 9 chunks of 400 bytes arrive.
    for (let i = 1; i <= 9; i++) src.controller.enqueue(chunk(400, i));
    await settle();
    expect(states).toEqual([true]);
    // 6 × 400 = 2,400 bytes fit under the drop limit; the 3 after are dropped.
    expect(dropped).toEqual([400, 400, 400]);

    const reader = out.getReader();
    const seen: number[] = [];
    for (let i = 0; i < 6; i++) {
      const r = await reader.read();
      seen.push(r.value?.[0] as number);
      if (i < 5) expect(states).toEqual([true]);
    }
    expect(seen).toEqual([1, 2, 3, 4, 5, 6]);
    await settle();
    expect(states).toEqual([true, false]);
    // Read again: new chunks pass straight through.
    src.controller.enqueue(chunk(400, 10));
    expect((await reader.read()).value?.[0]).toBe(10);
    src.controller.close();
    expect((await reader.read()).done).toBe(true);
    expect(states).toEqual([true, false]);
  });

  it('never reports a backlog to a consumer that keeps reading, and sends `first` first', async () => {
    const src = source();
    const states: boolean[] = [];
    const out = boundBacklog(src.stream, { first: chunk(1, 0), pauseAtBytes: 1000, onBacklog: (b) => states.push(b) });
    const reader = out.getReader();
    expect((await reader.read()).value?.[0]).toBe(0);
    for (let i = 1; i <= 50; i++) {
      src.controller.enqueue(chunk(400, i));
      expect((await reader.read()).value?.[0]).toBe(i);
    }
    expect(states).toEqual([]);
  });

  it('passes a cancel on to the source and ends a backlog with it', async () => {
    const src = source();
    const states: boolean[] = [];
    const out = boundBacklog(src.stream, { pauseAtBytes: 100, onBacklog: (b) => states.push(b) });
    src.controller.enqueue(chunk(200));
    await settle();
    expect(states).toEqual([true]);
    await out.cancel();
    expect(src.cancelled()).toBe(true);
    expect(states).toEqual([true, false]);
  });
});
