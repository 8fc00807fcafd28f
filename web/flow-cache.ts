/**
 * The flow page's rendered panel per team and window, shared by everyone watching: when a
 * change reaches the team's live stream every open flow page asks for its panel again, and
 * this makes that one computation instead of one per viewer. A panel is dropped when its
 * team's tasks, reviews or mail change (bus events, relayed from other servers too), and
 * after `ttlMs` so its timelines keep up with the clock.
 */
import type { Bus } from '../server/bus.js';

/** How long a rendered panel stays without a change (ms). */
export const FLOW_CACHE_MS = 60_000;
/** Most panels kept (teams × windows); the oldest goes first. */
const MAX_PANELS = 200;

export interface FlowCache {
  /** The cached panel for `teamId` and `key`, or the one `render` makes (shared while in flight). */
  get: (teamId: string, key: string, render: () => Promise<string>) => Promise<string>;
}

export function flowCache(bus: Bus, now: () => number, ttlMs = FLOW_CACHE_MS): FlowCache {
  const panels = new Map<string, { html: Promise<string>; at: number; teamId: string }>();
  bus.subscribe((e) => {
    if (e.type === 'agent.changed') return;
    for (const [k, p] of panels) if (p.teamId === e.teamId) panels.delete(k);
  });
  return {
    get(teamId, key, render) {
      const k = `${teamId} ${key}`;
      const hit = panels.get(k);
      if (hit && now() - hit.at < ttlMs) return hit.html;
      const html = render();
      const entry = { html, at: now(), teamId };
      panels.delete(k);
      panels.set(k, entry);
      if (panels.size > MAX_PANELS) panels.delete(panels.keys().next().value as string);
      // A failed render (a bad window) is not kept.
      html.catch(() => {
        if (panels.get(k) === entry) panels.delete(k);
      });
      return html;
    },
  };
}
