/**
 * A bounded backlog for an SSE stream whose client does not read it.
 *
 * The SDK transport enqueues every event on its response stream without regard to
 * back-pressure, and @hono/node-server stops taking from that stream while the socket's
 * buffers are full (`res.write()` returned false, waiting for 'drain'). A stuck or suspended
 * client therefore made the server hold every push in memory, without limit.
 * `boundBacklog` sits between the two: it takes the SDK's events at once and holds them in its
 * own queue, whose size in bytes it knows. When that queue reaches `pauseAtBytes` it reports
 * the stream as backlogged (push to it stops; the mailbox keeps the mail); when the client has
 * read everything queued it reports it drained. Past `dropAtBytes` events are dropped, not
 * queued (only those already on their way when push stopped, keep-alives and the like): a
 * dropped GET-stream event stays in the event log and comes back on a resume.
 * Used for GET streams, the only ones pushes go to. A POST response stream carries one call's
 * own progress and result, bounded by that call, and dropping its result would break the call.
 */

/**
 * Bytes queued in this process, not yet taken by the socket, at which push to a stream pauses.
 * By then the kernel's socket buffers (a few MB on loopback, outside the process) are full too,
 * so the client has not read for a while. 64 KB is some twenty pushes of ordinary mail: a client
 * that only paused briefly (GC, a busy terminal) rides it out, and a thousand stuck sessions
 * cost 64 MB, not everything sent to them.
 */
export const PAUSE_AT_BYTES = 64 * 1024;
/**
 * Bytes queued past which events are dropped: room for the pushes in flight when the stream
 * paused (one push of a maximal message is about 200 KB of JSON), no more.
 */
export const DROP_AT_BYTES = 1024 * 1024;

export interface BacklogOptions {
  /** Sent first, before anything from `body` (e.g. a priming event). */
  first?: Uint8Array;
  /** Default `PAUSE_AT_BYTES`. */
  pauseAtBytes?: number;
  /** Default `DROP_AT_BYTES`. */
  dropAtBytes?: number;
  /**
   * Called with true when the queue reaches `pauseAtBytes`, with false once the client has
   * read it all (or the stream ended while backlogged).
   */
  onBacklog: (backlogged: boolean) => void;
  /** Called with the size of each event dropped (bytes). */
  onDrop?: (bytes: number) => void;
}

/** Wraps an SSE response body (`body` is read from here on) in a stream with a bounded backlog. */
export function boundBacklog(body: ReadableStream<Uint8Array>, opts: BacklogOptions): ReadableStream<Uint8Array> {
  const pauseAt = opts.pauseAtBytes ?? PAUSE_AT_BYTES;
  const dropAt = opts.dropAtBytes ?? DROP_AT_BYTES;
  const reader = body.getReader();
  let backlogged = false;
  let ended = false;
  const report = (b: boolean) => {
    if (backlogged === b) return;
    backlogged = b;
    opts.onBacklog(b);
  };
  const end = () => {
    ended = true;
    report(false);
  };

  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        // What the consumer has not taken yet: the queuing strategy counts bytes.
        const queued = () => pauseAt - (controller.desiredSize ?? 0);
        if (opts.first) controller.enqueue(opts.first);
        void (async () => {
          for (;;) {
            let r: ReadableStreamReadResult<Uint8Array>;
            try {
              r = await reader.read();
            } catch (err) {
              if (!ended) controller.error(err);
              end();
              return;
            }
            if (ended) return;
            if (r.done) {
              controller.close();
              end();
              return;
            }
            if (queued() + r.value.byteLength > dropAt) {
              opts.onDrop?.(r.value.byteLength);
              continue;
            }
            controller.enqueue(r.value);
            if (queued() >= pauseAt) report(true);
          }
        })();
      },
      // Called as the consumer takes chunks while the queue is below `pauseAt`.
      pull(controller) {
        if (backlogged && controller.desiredSize === pauseAt) report(false);
      },
      cancel(reason) {
        end();
        return reader.cancel(reason);
      },
    },
    new ByteLengthQueuingStrategy({ highWaterMark: pauseAt }),
  );
}
