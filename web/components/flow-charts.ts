/**
 * The ECharts options of the flow page and the task page's life line. Each chart says what it
 * shows without colour alone: numbers on the bars, a labelled median line, line styles and end
 * labels naming each series, text inside the spans; the page adds a table of the numbers.
 */
import type { AgentFlow, FlowReport, SpanKind } from '../../server/ops/flow.js';
import type { UnreadReport } from '../../server/ops/flow-mail.js';
import type { TaskPhase } from '../../server/ops/task-phases.js';
import { type ChartOption, COLORS } from '../charts.js';

/** Hours with one decimal, e.g. `3.5 h`; minutes under an hour, e.g. `12 min`. */
export function hours(ms: number): string {
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min`;
  return `${(Math.round(ms / 360_000) / 10).toFixed(1)} h`;
}

const axisLine = { lineStyle: { color: COLORS.muted } };
const splitLine = { lineStyle: { color: COLORS.line } };

export function donePerDayOption(f: FlowReport): ChartOption {
  return {
    grid: { left: 40, right: 16, top: 24, bottom: 28 },
    xAxis: { type: 'category', data: f.donePerDay.map((d) => d.day.slice(5)), axisLine },
    yAxis: { type: 'value', minInterval: 1, splitLine },
    series: [
      {
        type: 'bar',
        name: 'done',
        data: f.donePerDay.map((d) => d.count),
        itemStyle: { color: COLORS.done },
        label: { show: true, position: 'top', formatter: (p: { value: number }) => (p.value ? String(p.value) : '') },
      },
    ],
  };
}

export function cycleOption(f: FlowReport): ChartOption {
  const median = f.cycle.medianMs;
  return {
    useUTC: true,
    grid: { left: 48, right: 90, top: 24, bottom: 28 },
    xAxis: { type: 'time', min: Date.parse(f.from), max: Date.parse(f.to), axisLine, splitLine: { show: false } },
    yAxis: { type: 'value', name: 'hours', splitLine },
    series: [
      {
        type: 'scatter',
        name: 'cycle time',
        symbol: 'circle',
        symbolSize: 7,
        // Every point in one path: a tenth of the SVG and the time of one element per point.
        large: true,
        largeThreshold: 50,
        itemStyle: { color: COLORS.progress, borderColor: COLORS.ink, borderWidth: 0.5 },
        data: f.cycle.tasks.map((t) => [Date.parse(t.doneAt), t.ms / 3_600_000]),
        ...(median !== null && {
          markLine: {
            silent: true,
            symbol: 'none',
            lineStyle: { type: 'dashed', color: COLORS.ink },
            label: { formatter: `median ${hours(median)}`, position: 'end' },
            data: [{ yAxis: median / 3_600_000 }],
          },
        }),
      },
    ],
  };
}

const STATE_SERIES = [
  { key: 'open', name: 'open', color: COLORS.open, type: 'solid' },
  { key: 'inProgress', name: 'in progress', color: COLORS.progress, type: 'dashed' },
  { key: 'inReview', name: 'in review', color: COLORS.review, type: 'dotted' },
] as const;

/** The points of a step line where its value changes, and its last: the same line, fewer points. */
export function changesOnly(points: [number, number][]): [number, number][] {
  return points.filter((p, i) => i === 0 || i === points.length - 1 || p[1] !== (points[i - 1] as [number, number])[1]);
}

/** A line's end label: the series name and its last value. */
const endLabel = {
  show: true,
  formatter: (p: { seriesName: string; value: [number, number] }) => `${p.seriesName}: ${p.value[1]}`,
};

export function countsOption(f: FlowReport): ChartOption {
  return {
    useUTC: true,
    grid: { left: 48, right: 120, top: 16, bottom: 28 },
    xAxis: { type: 'time', min: Date.parse(f.from), max: Date.parse(f.to), axisLine, splitLine: { show: false } },
    yAxis: { type: 'value', minInterval: 1, splitLine },
    series: STATE_SERIES.map((s) => ({
      type: 'line',
      name: s.name,
      showSymbol: false,
      step: 'end',
      color: s.color,
      lineStyle: { type: s.type, width: 2 },
      endLabel,
      data: changesOnly(f.counts.map((c) => [Date.parse(c.at), c[s.key]])),
    })),
  };
}

const LINE_TYPES = ['solid', 'dashed', 'dotted'] as const;
const LINE_COLORS = [COLORS.open, COLORS.progress, COLORS.review, COLORS.done, '#da1e28', COLORS.muted];
/** Most teammates drawn in the unread chart (the highest peaks); the table lists all. */
export const MAX_UNREAD_LINES = 8;

export function unreadOption(m: UnreadReport, from: string, to: string): ChartOption {
  const top = [...m.agents].sort((a, b) => b.peak - a.peak || (a.agent < b.agent ? -1 : 1)).slice(0, MAX_UNREAD_LINES);
  const at = m.at.map((t) => Date.parse(t));
  return {
    useUTC: true,
    grid: { left: 48, right: 130, top: 16, bottom: 28 },
    xAxis: { type: 'time', min: Date.parse(from), max: Date.parse(to), axisLine, splitLine: { show: false } },
    yAxis: { type: 'value', minInterval: 1, splitLine },
    series: top.map((a, i) => ({
      type: 'line',
      name: a.agent,
      step: 'end',
      showSymbol: false,
      color: LINE_COLORS[i % LINE_COLORS.length],
      lineStyle: { type: LINE_TYPES[i % LINE_TYPES.length], width: 2 },
      endLabel,
      data: changesOnly(a.unread.map((n, k) => [at[k] as number, n])),
    })),
  };
}

const SPAN_STYLE: Record<Exclude<SpanKind, 'idle'>, { fill: string; stroke: string; prefix: string }> = {
  working: { fill: COLORS.progress, stroke: COLORS.progress, prefix: '' },
  in_review: { fill: '#efe6ff', stroke: COLORS.review, prefix: 'wait ' },
  reviewing: { fill: COLORS.review, stroke: COLORS.review, prefix: 'rev ' },
};

interface Bar {
  row: number;
  start: number;
  end: number;
  kind: Exclude<SpanKind, 'idle'>;
  tasks: number[];
}

/**
 * The spans as bars at the chart's resolution: a bar narrower than a pixel joins its
 * neighbour of the same kind across an idle gap narrower than a pixel; idle is the dashed
 * line under every row.
 */
export function timelineBars(agents: AgentFlow[], minMs: number): Bar[] {
  const bars: Bar[] = [];
  agents.forEach((a, row) => {
    let last: Bar | null = null;
    for (const s of a.spans) {
      const start = Date.parse(s.start);
      const end = Date.parse(s.end);
      if (s.kind === 'idle') {
        if (end - start >= minMs) last = null;
        continue;
      }
      if (last && last.kind === s.kind && start - last.end < minMs) {
        last.end = end;
        for (const t of s.tasks) if (!last.tasks.includes(t)) last.tasks.push(t);
        continue;
      }
      last = { row, start, end, kind: s.kind, tasks: [...s.tasks] };
      bars.push(last);
    }
  });
  return bars;
}

const barText = (b: Bar) =>
  `${SPAN_STYLE[b.kind].prefix}${b.tasks.length > 3 ? `${b.tasks.length} tasks` : b.tasks.map((t) => `#${t}`).join(' ')}`;

interface Api {
  coord: (v: number[]) => number[];
  size: (v: number[]) => number[];
}

/** A custom series of labelled bars on rows (the teammates' timeline, a task's life). */
function barsSeries(bars: Bar[], text: (b: Bar) => string, style: (b: Bar) => { fill: string; stroke: string }) {
  return {
    type: 'custom',
    data: bars.map((b) => [b.start, b.end, b.row]),
    encode: { x: [0, 1], y: 2 },
    renderItem: (params: { dataIndex: number }, api: Api) => {
      const b = bars[params.dataIndex] as Bar;
      const [x0, y] = api.coord([b.start, b.row]) as [number, number];
      const [x1] = api.coord([b.end, b.row]) as [number, number];
      const h = (api.size([0, 1])[1] as number) * 0.6;
      const w = Math.max(1, x1 - x0);
      const s = style(b);
      const label = text(b);
      return {
        type: 'group',
        children: [
          {
            type: 'rect',
            shape: { x: x0, y: y - h / 2, width: w, height: h },
            style: { fill: s.fill, stroke: s.stroke },
          },
          // Text only where it fits: about 6.5 px per character at 11 px.
          ...(w > label.length * 6.5 + 6
            ? [
                {
                  type: 'text',
                  style: {
                    text: label,
                    x: x0 + 4,
                    y,
                    verticalAlign: 'middle',
                    fontSize: 11,
                    fill: s.fill === COLORS.progress || s.fill === COLORS.review ? '#fff' : COLORS.ink,
                  },
                },
              ]
            : []),
        ],
      };
    },
  };
}

/** Height of one timeline row (px). */
export const ROW_PX = 26;

export function timelineOption(f: FlowReport, width: number): ChartOption {
  const from = Date.parse(f.timelineFrom);
  const to = Date.parse(f.to);
  const plot = width - 140;
  const bars = timelineBars(f.agents, (to - from) / plot);
  const rows = f.agents.map((a) => a.agent);
  return {
    useUTC: true,
    grid: { left: 120, right: 20, top: 8, bottom: 28 },
    xAxis: { type: 'time', min: from, max: to, axisLine, splitLine: { show: false } },
    yAxis: {
      type: 'category',
      data: rows,
      inverse: true,
      axisTick: { show: false },
      splitLine: { show: true, lineStyle: { color: COLORS.muted, type: 'dashed', width: 0.5 } },
      axisLine: { show: false },
    },
    series: [barsSeries(bars, barText, (b) => SPAN_STYLE[b.kind])],
  };
}

const PHASE_STYLE: Record<TaskPhase['state'], { fill: string; stroke: string }> = {
  open: { fill: '#dfe6fb', stroke: COLORS.open },
  in_progress: { fill: COLORS.progress, stroke: COLORS.progress },
  in_review: { fill: '#efe6ff', stroke: COLORS.review },
  done: { fill: COLORS.done, stroke: COLORS.done },
  failed: { fill: '#da1e28', stroke: '#da1e28' },
  cancelled: { fill: COLORS.muted, stroke: COLORS.muted },
};

/** The label of a phase: `open`, `alice`, `review`, with its duration. */
export function phaseLabel(p: TaskPhase): string {
  const what =
    p.state === 'in_progress'
      ? (p.who ?? 'in progress')
      : p.state === 'in_review'
        ? 'review'
        : p.state.replace('_', ' ');
  return p.end !== null && p.ms === 0 && p.state !== 'open' ? what : `${what} ${hours(p.ms)}`;
}

export function phasesOption(phases: TaskPhase[], now: number): ChartOption {
  const first = phases[0] ? Date.parse(phases[0].start) : now;
  const last = phases[phases.length - 1];
  const end = last?.end !== null && last ? Math.max(Date.parse(last.start), first + 1) : now;
  const bars = phases
    .filter((p) => !(p.end !== null && p.ms === 0))
    .map((p) => ({
      row: 0,
      start: Date.parse(p.start),
      end: p.end ? Date.parse(p.end) : now,
      kind: 'working' as const,
      tasks: [],
      p,
    }));
  return {
    useUTC: true,
    grid: { left: 8, right: 8, top: 4, bottom: 24 },
    xAxis: { type: 'time', min: first, max: Math.max(end, first + 60_000), axisLine, splitLine: { show: false } },
    yAxis: { type: 'category', data: [''], show: false },
    series: [
      barsSeries(
        bars,
        (b) => phaseLabel((b as (typeof bars)[number]).p),
        (b) => PHASE_STYLE[(b as (typeof bars)[number]).p.state],
      ),
    ],
  };
}
