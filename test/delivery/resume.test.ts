import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GET_STREAM, REPLAY_MAX_BYTES } from '../../mcp/event-store.js';
import { CHANNEL_METHOD } from '../../mcp/push.js';
import { connectAgent, startServer, type TestServer } from '../helpers/server.js';

const PROTOCOL = '2025-11-25';

interface SseEvent {
  id?: string;
  data: string;
}

/** Reads SSE events from a response body until `enough` says stop; then cancels the body. */
async function readEvents(res: Response, enough: (events: SseEvent[]) => boolean): Promise<SseEvent[]> {
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  const events: SseEvent[] = [];
  let buf = '';
  while (!enough(events)) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += decoder.decode(value, { stream: true });
    let cut = buf.indexOf('\n\n');
    while (cut >= 0) {
      const block = buf.slice(0, cut);
      buf = buf.slice(cut + 2);
      const e: SseEvent = { data: '' };
      for (const line of block.split('\n')) {
        if (line.startsWith('id:')) e.id = line.slice(3).trim();
        else if (line.startsWith('data:')) e.data += line.slice(5).trim();
      }
      if (e.id !== undefined || e.data) events.push(e);
      cut = buf.indexOf('\n\n');
    }
  }
  await reader.cancel();
  return events;
}

const channelBodies = (events: SseEvent[]) =>
  events
    .filter((e) => e.data)
    .map((e) => JSON.parse(e.data))
    .filter((m) => m.method === CHANNEL_METHOD)
    .map((m) => m.params.content as string);

/**
 * A raw session as `agent` (local mode) whose GET stream was opened, primed, and dropped:
 * its priming event's id is where a resume starts.
 */
async function rawSession(server: TestServer, agent: string) {
  const url = `${server.mcpUrl}?agent=${agent}`;
  const init = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: PROTOCOL, capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
    }),
  });
  const session = init.headers.get('mcp-session-id') as string;
  expect(session).toBeTruthy();
  await init.text();
  const headers = {
    'mcp-session-id': session,
    'mcp-protocol-version': PROTOCOL,
    accept: 'application/json, text/event-stream',
  };
  const ack = await fetch(url, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
  });
  expect(ack.status).toBe(202);

  // Open the GET stream: it starts with a priming event carrying an id, then drop it.
  const first = await fetch(url, { headers: { ...headers, accept: 'text/event-stream' } });
  const primed = await readEvents(first, (ev) => ev.length >= 1);
  const lastEventId = primed[0]?.id as string;
  expect(lastEventId).toMatch(/^\d+$/);
  return { url, session, headers, lastEventId };
}

describe('resumable GET stream (Last-Event-ID)', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startServer();
  });
  afterEach(async () => {
    await server.destroy();
  });

  it('replays the pushes a client missed while its stream was down, from the database', async () => {
    const { url, session, headers, lastEventId } = await rawSession(server, 'bob');

    // Mail arrives while bob has no stream.
    const alice = await connectAgent(server, { agent: 'alice' });
    await alice.call('teammate_send_message', { to: 'bob', message: 'missed one' });
    await alice.call('teammate_send_message', { to: 'bob', message: 'missed two' });
    const stored = async () =>
      (await server.opened.db.selectFrom('mcp_events').select('seq').where('session_id', '=', session).execute())
        .length;
    for (let i = 0; i < 500 && (await stored()) < 5; i++) await new Promise((r) => setTimeout(r, 10));

    const resumed = await fetch(url, {
      headers: { ...headers, accept: 'text/event-stream', 'last-event-id': lastEventId },
    });
    expect(resumed.status).toBe(200);
    const replay = await readEvents(resumed, (ev) => channelBodies(ev).length >= 2);
    const bodies = channelBodies(replay);
    expect(bodies[0]).toContain('> missed one');
    expect(bodies[1]).toContain('> missed two');
    // Every replayed event carries a new, larger id the client can resume from.
    const ids = replay.map((e) => Number(e.id));
    expect(ids.every((id) => id > Number(lastEventId))).toBe(true);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);

    // An id from another session is refused.
    const other = await fetch(url, {
      headers: { ...headers, accept: 'text/event-stream', 'last-event-id': '999999999' },
    });
    expect(other.status).toBe(400);
    await other.text();
    await alice.close();
    await fetch(url, { method: 'DELETE', headers });
    // Ending the session drops its stored events.
    expect(await stored()).toBe(0);
  });

  it('replays at most REPLAY_MAX_BYTES per resume; the next resume gets the rest', async () => {
    const { url, session, headers, lastEventId } = await rawSession(server, 'bob');
    const big = {
      jsonrpc: '2.0' as const,
      method: 'notifications/message',
      params: { level: 'info', data: 'x'.repeat(50_000) },
    };
    const STORED = 30;
    for (let i = 0; i < STORED; i++) await server.sb.mcp.events.store(session, GET_STREAM, big);
    // Events are sent until their JSON text reaches the limit: the last one crosses it.
    const perResume = Math.ceil(REPLAY_MAX_BYTES / JSON.stringify(big).length);
    expect(perResume).toBeLessThan(STORED);
    const bigOnes = (events: SseEvent[]) =>
      events.filter((e) => e.data && JSON.parse(e.data).params?.data === big.params.data);

    // A push after the resume lands behind everything the resume replayed.
    // One GET stream per session: a dropped one is let go when its socket's close reaches the server.
    const resume = async (from: string) => {
      for (let i = 0; ; i++) {
        const res = await fetch(url, { headers: { ...headers, accept: 'text/event-stream', 'last-event-id': from } });
        if (res.status !== 409 || i >= 200) return res;
        await res.text();
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    const alice = await connectAgent(server, { agent: 'alice' });
    const first = await resume(lastEventId);
    await alice.call('teammate_send_message', { to: 'bob', message: 'after the first replay' });
    const one = await readEvents(first, (ev) => channelBodies(ev).some((b) => b.includes('after the first replay')));
    expect(bigOnes(one)).toHaveLength(perResume);

    const second = await resume(bigOnes(one).at(-1)?.id as string);
    const two = await readEvents(second, (ev) => channelBodies(ev).some((b) => b.includes('after the first replay')));
    expect(bigOnes(two)).toHaveLength(STORED - perResume);
    await alice.close();
    await fetch(url, { method: 'DELETE', headers });
  });

  it('an SDK client whose GET stream drops reconnects and receives what was pushed meanwhile', async () => {
    const alice = await connectAgent(server, { agent: 'alice' });
    const bob = await connectAgent(server, { agent: 'bob' });
    const got: string[] = [];
    bob.client.fallbackNotificationHandler = async (n) => {
      if (n.method === CHANNEL_METHOD) got.push(String(n.params?.content));
    };
    await alice.call('teammate_send_message', { to: 'bob', message: 'before the drop' });
    for (let i = 0; i < 500 && got.length < 1; i++) await new Promise((r) => setTimeout(r, 10));
    expect(got).toHaveLength(1);
    const s = server.sb.mcp.sessions.get(bob.transport.sessionId as string);
    s?.transport.closeStandaloneSSEStream();
    await alice.call('teammate_send_message', { to: 'bob', message: 'during the drop' });
    for (let i = 0; i < 1000 && got.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    expect(got[1]).toContain('> during the drop');
    expect(got).toHaveLength(2);
    await alice.close();
    await bob.close();
  });
});
