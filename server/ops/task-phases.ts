/**
 * A task's life as phases (open, in progress by whom, in review, done, …) with their
 * durations, from its event log as `getTask` returns it. The task page draws them.
 */
import type { TaskEvent } from './model.js';

/** A phase of a task's life: its state, who held it, when it began and ended (ISO; end null while it lasts). */
export interface TaskPhase {
  state: 'open' | 'in_progress' | 'in_review' | 'done' | 'failed' | 'cancelled';
  /** The owner while in progress or in review; null otherwise. */
  who: string | null;
  /** Why the phase began, in a few words: `claimed`, `changes requested`, `hand-off from alice`, … */
  why: string;
  start: string;
  end: string | null;
  /** How long it lasted, or has lasted up to `now` (ms); 0 for a finished task's final phase. */
  ms: number;
}

const FINAL = new Set(['done', 'failed', 'cancelled']);
const text = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** The phases of a task from its events (oldest first), up to `now` (UTC ms). */
export function taskPhases(events: TaskEvent[], now: number): TaskPhase[] {
  const out: TaskPhase[] = [];
  let owner: string | null = null;
  const begin = (state: TaskPhase['state'], who: string | null, why: string, at: string) => {
    const last = out[out.length - 1];
    if (last && last.end === null) {
      if (last.state === state && last.who === who) return;
      last.end = at;
      last.ms = Date.parse(at) - Date.parse(last.start);
    }
    out.push({ state, who, why, start: at, end: FINAL.has(state) ? at : null, ms: 0 });
  };
  for (const e of events) {
    const d = e.data;
    switch (e.type) {
      case 'created':
        begin('open', null, 'created', e.createdAt);
        break;
      case 'claimed':
        owner = e.actor;
        begin('in_progress', owner, 'claimed', e.createdAt);
        break;
      case 'handoff_accepted':
        owner = e.actor;
        begin('in_progress', owner, `hand-off from ${text(d.from) ?? 'its owner'}`, e.createdAt);
        break;
      case 'released':
      case 'lease_expired':
        owner = null;
        begin('open', null, e.type === 'released' ? 'released' : 'lease ran out', e.createdAt);
        break;
      case 'delegated':
        if (d.previousOwner) {
          owner = null;
          begin('open', null, `delegated to ${text(d.to) ?? 'a teammate'}`, e.createdAt);
        }
        break;
      case 'review_requested':
        begin('in_review', owner, `review asked of ${text(d.reviewer) ?? 'anyone'}`, e.createdAt);
        break;
      case 'status_changed': {
        const to = text(d.to) as TaskPhase['state'] | null;
        if (!to) break;
        const why = text(d.reason) ?? (to === 'done' ? 'finished' : to);
        begin(to, to === 'in_progress' || to === 'in_review' ? owner : null, why, e.createdAt);
        break;
      }
    }
  }
  const last = out[out.length - 1];
  if (last && last.end === null) last.ms = Math.max(0, now - Date.parse(last.start));
  return out;
}
