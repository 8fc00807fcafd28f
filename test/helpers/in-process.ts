/**
 * In-process MCP: the real MCP server factory (mcp/server.ts) and a real SDK `Client`, linked by
 * the SDK's InMemoryTransport, on a fresh database of the run's dialect (test/helpers/db.ts). Fast, for
 * tool behaviour; what needs HTTP (sessions, streams, headers, push) uses test/helpers/server.ts.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { pino } from 'pino';
import { createMcpServer, type SessionState } from '../../mcp/server.js';
import { createBus } from '../../server/bus.js';
import type { OpenedDb } from '../../server/db/open.js';
import type { AppDeps } from '../../server/deps.js';
import { newId } from '../../server/ids.js';
import { upsertAgent } from '../../server/ops/agents.js';
import { createCtx } from '../../server/ops/context.js';
import { createGuards } from '../../server/ops/guards.js';
import type { Agent } from '../../server/ops/model.js';
import { startSession, updateSession } from '../../server/ops/sessions.js';
import { openTestDatabase } from './db.js';
import { withData } from './server.js';

/** A connected in-process agent: the same calls as test/helpers/server.ts `AgentClient`. */
/** The default team's id (migrations/sqlite/0001_init.sql). */
const DEFAULT_TEAM_ID = '00000000000000000000000000';

export interface InProcessAgent {
  client: Client;
  state: SessionState;
  raw: (name: string, args?: Record<string, unknown>) => Promise<CallToolResult & { data: any }>;
  call: (name: string, args?: Record<string, unknown>) => Promise<CallToolResult & { data: any }>;
  close: () => Promise<void>;
}

export interface InProcessWorld {
  deps: AppDeps;
  opened: OpenedDb;
  /** Creates (or finds) a teammate without connecting it. */
  join: (name: string, opts?: { role?: string; team?: string }) => Promise<Agent>;
  /** Connects a session: as `agent` (joined first), or anonymous when omitted. */
  connect: (agent?: string, opts?: { team?: string }) => Promise<InProcessAgent>;
  close: () => Promise<void>;
}

export async function inProcessWorld(): Promise<InProcessWorld> {
  const opened = await openTestDatabase();
  const deps: AppDeps = {
    db: opened.db,
    bus: createBus(),
    logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    auth: 'local',
    limits: {},
    sessionIdleMs: 30 * 60_000,
    guards: createGuards(),
  };
  const clients: Client[] = [];
  const join = async (name: string, opts: { role?: string; team?: string } = {}) =>
    (
      await upsertAgent(createCtx(deps, null), {
        name,
        team: opts.team ?? 'default',
        ...(opts.role && { role: opts.role }),
      })
    ).agent;
  return {
    deps,
    opened,
    join,
    connect: async (agent, opts = {}) => {
      const state: SessionState = {
        sessionId: newId(),
        actor: agent ? await join(agent, opts) : null,
        admin: false,
      };
      // A session row, as the /mcp route records one: presence and delivery see the agent connected.
      await startSession(createCtx(deps, null), {
        id: state.sessionId,
        teamId: state.actor?.teamId ?? DEFAULT_TEAM_ID,
        agentId: state.actor?.id ?? null,
        transport: 'http',
      });
      const server = createMcpServer({
        deps,
        state,
        admit: () => {},
        onBind: (a) => updateSession(createCtx(deps, null), state.sessionId, { agentId: a.id, teamId: a.teamId }),
      });
      const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
      await server.connect(serverSide);
      const client = new Client({ name: 'switchboard-in-process', version: '1.0.0' });
      await client.connect(clientSide);
      clients.push(client);
      const raw = async (name: string, args: Record<string, unknown> = {}) =>
        withData((await client.callTool({ name, arguments: args })) as CallToolResult);
      return {
        client,
        state,
        raw,
        call: async (name, args) => {
          const r = await raw(name, args);
          if (r.isError) throw new Error(`${name} failed: ${JSON.stringify(r.content)}`);
          return r;
        },
        close: () => client.close(),
      };
    },
    close: async () => {
      await Promise.all(clients.map((c) => c.close()));
      await opened.close();
    },
  };
}
