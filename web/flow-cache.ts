/**
 * The flow page's rendered panel per team and window, shared by everyone watching, and drawn
 * off the request path: drawing the five charts at 10,000 tasks takes on the order of 100 ms,
 * which no page request should wait for once a panel exists.
 * - The first request for a team and window draws the panel (the only request that waits).
 * - A change to the team's tasks, reviews or mail (bus events, relayed from other servers too)
 *   marks its panels stale; after `settleMs` (so a burst of changes costs one drawing) the panels
 *   viewed within `ttlMs` are drawn again in the background, the others are dropped. Requests
 *   meanwhile get the last panel; when the new one is ready, `onRedrawn` listeners are told (the
 *   live stream sends `flow`, and open pages fetch the new panel).
 * - A panel older than `ttlMs` is redrawn the same way, so its timelines keep up with the clock.
 */
import type { Bus } from '../server/bus.js';

/** How long a panel stays without a change, and how long one nobody asks for is kept (ms). */
export const FLOW_CACHE_MS = 60_000;
/** How long changes are gathered before panels are drawn again (ms). */
export const FLOW_SETTLE_MS = 100;
/** Most panels kept (teams × windows); the oldest goes first. */
const MAX_PANELS = 200;

export interface FlowCache {
  /**
   * The panel for `teamId` and `key`: the kept one (even while it is being redrawn), or, when
   * there is none, the one `render` draws now (shared while in flight). `render` is kept to draw
   * the panel again after a change; a failed render is not kept and rejects the request.
   */
  get: (teamId: string, key: string, render: () => Promise<string>) => Promise<string>;
  /** Calls `fn(teamId)` each time a team's panels were drawn again; returns the unsubscribe. */
  onRedrawn: (fn: (teamId: string) => void) => () => void;
}

interface Panel {
  teamId: string;
  html: Promise<string>;
  /** When `html` was drawn, and when a request last asked for it (ms). */
  drawnAt: number;
  viewedAt: number;
  stale: boolean;
  render: () => Promise<string>;
}

export function flowCache(bus: Bus, now: () => number, opts: { ttlMs?: number; settleMs?: number } = {}): FlowCache {
  const ttlMs = opts.ttlMs ?? FLOW_CACHE_MS;
  const settleMs = opts.settleMs ?? FLOW_SETTLE_MS;
  const panels = new Map<string, Panel>();
  const listeners = new Set<(teamId: string) => void>();
  /** Per team: a redraw is scheduled or running; `again` when a change came during the run. */
  const redraws = new Map<string, { running: boolean; again: boolean }>();

  const schedule = (teamId: string) => {
    const r = redraws.get(teamId);
    if (r) {
      if (r.running) r.again = true;
      return;
    }
    redraws.set(teamId, { running: false, again: false });
    setTimeout(() => void redraw(teamId), settleMs).unref?.();
  };

  async function redraw(teamId: string): Promise<void> {
    const r = redraws.get(teamId) ?? { running: false, again: false };
    r.running = true;
    let drew = false;
    for (const [k, p] of [...panels]) {
      if (p.teamId !== teamId || !p.stale) continue;
      if (now() - p.viewedAt >= ttlMs) {
        panels.delete(k);
        continue;
      }
      p.stale = false;
      try {
        const html = await p.render();
        if (panels.get(k) !== p) continue;
        p.html = Promise.resolve(html);
        p.drawnAt = now();
        drew = true;
      } catch {
        if (panels.get(k) === p) panels.delete(k);
      }
    }
    redraws.delete(teamId);
    if (r.again) schedule(teamId);
    if (drew) for (const fn of listeners) fn(teamId);
  }

  bus.subscribe((e) => {
    if (e.type === 'agent.changed') return;
    let any = false;
    for (const p of panels.values()) {
      if (p.teamId !== e.teamId) continue;
      p.stale = true;
      any = true;
    }
    if (any) schedule(e.teamId);
  });

  return {
    get(teamId, key, render) {
      const k = `${teamId} ${key}`;
      const kept = panels.get(k);
      if (kept) {
        kept.viewedAt = now();
        kept.render = render;
        if (!kept.stale && now() - kept.drawnAt >= ttlMs) {
          kept.stale = true;
          schedule(teamId);
        }
        return kept.html;
      }
      const html = render();
      const at = now();
      const panel: Panel = { teamId, html, drawnAt: at, viewedAt: at, stale: false, render };
      panels.set(k, panel);
      if (panels.size > MAX_PANELS) panels.delete(panels.keys().next().value as string);
      html.catch(() => {
        if (panels.get(k) === panel) panels.delete(k);
      });
      return html;
    },
    onRedrawn(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
  };
}
