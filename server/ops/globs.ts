/**
 * Globs of paths relative to a project root, for file reservations: parsing and normalizing
 * them, telling whether two of them can match a common file (`overlapWitness`, the core of the
 * conflict rule), and matching a concrete file against one (through picomatch).
 *
 * Supported: `*` (any characters but `/`), `**` (any number of whole segments, as a segment of
 * its own), `?` (one character), classes `[abc]`, `[a-z]`, `[!a]` / `[^a]`, and braces
 * `{a,b}` (nested, at most `MAX_ALTERNATIVES` expansions). Everything else is a literal
 * character; a backslash, a leading `!`, extglobs, POSIX classes and `{1..3}` ranges are refused
 * with an `invalid` error. Dotfiles match like any other file (picomatch's `dot: true`).
 * Strings are compared by UTF-16 code unit, as picomatch does.
 */
import picomatch from 'picomatch';
import { DomainError } from '../errors.js';

/** Longest glob or path accepted, in characters. */
export const MAX_GLOB_CHARS = 300;
/** Most patterns one glob's braces may expand to. */
export const MAX_ALTERNATIVES = 16;

const SLASH = 0x2f;
const LAST_UNIT = 0xffff;

/** A set of characters (UTF-16 code units) one position may hold; `/` never belongs to it. */
interface CharSet {
  negated: boolean;
  /** Inclusive code-unit ranges, sorted by start. */
  ranges: [number, number][];
}

type Token = { kind: 'star' } | { kind: 'set'; set: CharSet; text: string };
/** A path segment: `**`, or tokens (`literal` is its text when it has no wildcard, for fast rejects). */
type Segment = { kind: 'globstar' } | { kind: 'segment'; tokens: Token[]; literal: string | null };

/** A parsed glob: its normalized text and the segment lists its braces expand to. */
export interface Glob {
  /** The glob as stored and shown: `./` and empty segments dropped, a trailing `/` as `/**`. */
  text: string;
  alternatives: Segment[][];
  /** Matches a normalized relative file path (`src/a.ts`). */
  matches: (path: string) => boolean;
}

const bad = (glob: string, why: string) => new DomainError('invalid', `path "${glob}": ${why}`, { path: glob });

/** Checks what every path and glob must be: relative, inside the root, one line, not too long. */
function checkRelative(raw: string): void {
  if (raw.length === 0) throw bad(raw, 'is empty');
  if (raw.length > MAX_GLOB_CHARS) throw bad(raw.slice(0, 40), `is longer than ${MAX_GLOB_CHARS} characters`);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(raw)) throw bad(raw, 'contains control characters');
  if (raw.includes('\\')) throw bad(raw, 'use "/" between directories; backslashes (and escapes) are not supported');
  if (raw.startsWith('/') || /^[A-Za-z]:/.test(raw) || raw.startsWith('~')) {
    throw bad(raw, 'must be relative to the project root, like "src/api/**", not absolute');
  }
}

/** `./a//b/` → `a/b/**`; `..` segments are refused (they would leave the root). */
function normalize(raw: string): string {
  const parts = raw.split('/');
  const trailing = parts.length > 1 && parts[parts.length - 1] === '';
  const kept = parts.filter((s) => s !== '' && s !== '.');
  if (kept.some((s) => s === '..')) throw bad(raw, '".." is not allowed: paths stay inside the project root');
  if (kept.length === 0) throw bad(raw, 'names no file; use "**" for the whole project');
  if (trailing && kept[kept.length - 1] !== '**') kept.push('**');
  return kept.join('/');
}

/**
 * A relative file path as the server compares it: `./src//a.ts` → `src/a.ts`.
 * Errors: `invalid` for an absolute path, `..`, a backslash or control characters.
 */
export function normalizePath(raw: string): string {
  checkRelative(raw);
  return normalize(raw);
}

/** Index of the `}` closing the `{` at `open`, skipping classes; -1 if none. */
function closingBrace(s: string, open: number): number {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    const c = s[i];
    if (c === '[') {
      const end = s.indexOf(']', i + 2);
      if (end > 0) i = end;
    } else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return i;
  }
  return -1;
}

/** The top-level comma-separated parts of a brace body. */
function splitAlternatives(body: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === '{') depth++;
    else if (c === '}') depth--;
    else if (c === ',' && depth === 0) {
      out.push(body.slice(start, i));
      start = i + 1;
    }
  }
  out.push(body.slice(start));
  return out;
}

/** Expands braces: `src/{a,b}/*.ts` → `src/a/*.ts`, `src/b/*.ts`. */
function expandBraces(glob: string, s: string): string[] {
  const open = s.indexOf('{');
  if (open < 0) {
    if (s.includes('}')) throw bad(glob, 'has a "}" without its "{"');
    return [s];
  }
  if (s.slice(0, open).includes('}')) throw bad(glob, 'has a "}" without its "{"');
  const close = closingBrace(s, open);
  if (close < 0) throw bad(glob, 'has a "{" without its "}"');
  const body = s.slice(open + 1, close);
  if (body.includes('..')) throw bad(glob, 'brace ranges like {1..3} are not supported; list the values: {1,2,3}');
  const parts = splitAlternatives(body);
  if (parts.length < 2) throw bad(glob, 'a brace needs at least two alternatives, like {ts,tsx}');
  const out: string[] = [];
  for (const part of parts) {
    for (const rest of expandBraces(glob, part + s.slice(close + 1))) {
      out.push(s.slice(0, open) + rest);
      if (out.length > MAX_ALTERNATIVES) {
        throw bad(glob, `braces expand to more than ${MAX_ALTERNATIVES} patterns; reserve fewer at once`);
      }
    }
  }
  return out;
}

/** Parses one class starting at `[` (index `at`); returns the token and the index after `]`. */
function parseClass(glob: string, seg: string, at: number): [Token, number] {
  let i = at + 1;
  let negated = false;
  if (seg[i] === '!' || seg[i] === '^') {
    negated = true;
    i++;
  }
  const ranges: [number, number][] = [];
  const start = i;
  while (i < seg.length && (seg[i] !== ']' || i === start)) {
    if (seg[i] === '[' && seg[i + 1] === ':') throw bad(glob, 'POSIX classes like [[:alpha:]] are not supported');
    const lo = seg.charCodeAt(i);
    if (seg[i + 1] === '-' && i + 2 < seg.length && seg[i + 2] !== ']') {
      const hi = seg.charCodeAt(i + 2);
      if (hi < lo) throw bad(glob, `the class range ${seg.slice(i, i + 3)} runs backwards`);
      ranges.push([lo, hi]);
      i += 3;
    } else {
      ranges.push([lo, lo]);
      i++;
    }
  }
  if (i >= seg.length) throw bad(glob, 'has a "[" without its "]" (a class cannot hold "/")');
  ranges.sort((a, b) => a[0] - b[0]);
  return [{ kind: 'set', set: { negated, ranges }, text: seg.slice(at, i + 1) }, i + 1];
}

function parseSegment(glob: string, seg: string): Segment {
  if (seg === '**') return { kind: 'globstar' };
  if (seg.includes('**')) throw bad(glob, '"**" must be a whole segment, as in "src/**/x.ts"');
  if (/[@!+*?]\(/.test(seg)) throw bad(glob, 'extglobs like @(a|b) are not supported; use braces {a,b}');
  const tokens: Token[] = [];
  let i = 0;
  while (i < seg.length) {
    const c = seg[i] as string;
    if (c === '*') {
      tokens.push({ kind: 'star' });
      i++;
    } else if (c === '?') {
      tokens.push({ kind: 'set', set: { negated: true, ranges: [] }, text: '?' });
      i++;
    } else if (c === '[') {
      const [t, next] = parseClass(glob, seg, i);
      tokens.push(t);
      i = next;
    } else {
      const code = seg.charCodeAt(i);
      tokens.push({ kind: 'set', set: { negated: false, ranges: [[code, code]] }, text: c });
      i++;
    }
  }
  const plain = tokens.every((t) => t.kind === 'set' && !t.set.negated && t.text.length === 1);
  return { kind: 'segment', tokens, literal: plain ? seg : null };
}

/** A token as picomatch reads it: wildcards as they are, every other character escaped. */
function picomatchToken(t: Token): string {
  if (t.kind === 'star') return '*';
  if (t.text === '?') return '?';
  const esc = (code: number) => {
    const ch = String.fromCharCode(code);
    return /[A-Za-z0-9]/.test(ch) ? ch : `\\${ch}`;
  };
  if (t.text.length === 1) return esc(t.set.ranges[0]?.[0] ?? 0);
  const body = t.set.ranges.map(([lo, hi]) => (lo === hi ? esc(lo) : `${esc(lo)}-${esc(hi)}`)).join('');
  // picomatch reads `[!…]` as a literal "!"; `[^…]` is its negation.
  return `[${t.set.negated ? '^' : ''}${body}]`;
}

function picomatchGlob(segments: Segment[]): string {
  return segments.map((s) => (s.kind === 'globstar' ? '**' : s.tokens.map(picomatchToken).join(''))).join('/');
}

/** The literal leading directories of a segment list, with their slash (`src/api/` of `src/api/*.ts`). */
function literalPrefix(segments: Segment[]): string {
  let prefix = '';
  for (const s of segments.slice(0, -1)) {
    if (s.kind !== 'segment' || s.literal === null) break;
    prefix += `${s.literal}/`;
  }
  return prefix;
}

/**
 * Parses and normalizes a glob relative to the project root.
 * Errors: `invalid` naming the glob and what is wrong with it (absolute, `..`, unsupported syntax).
 */
export function parseGlob(raw: string): Glob {
  checkRelative(raw);
  if (raw.startsWith('!')) throw bad(raw, 'negated globs ("!…") are not supported; reserve what you need instead');
  const text = normalize(raw);
  const alternatives = expandBraces(raw, text).map((alt) => {
    const segs = alt.split('/');
    if (segs.some((s) => s === '' || s === '.' || s === '..')) {
      throw bad(raw, 'each brace alternative must name whole path segments (no "", "." or "..")');
    }
    return segs.map((s) => parseSegment(raw, s));
  });
  // A trailing `**` matches no segment too (`src/*/**` covers `src/a`), which picomatch does
  // only after a literal segment: give it the pattern without it as well.
  const forms = alternatives.flatMap((segs) => {
    let end = segs.length;
    while (end > 1 && segs[end - 1]?.kind === 'globstar') end--;
    return end < segs.length ? [segs, segs.slice(0, end)] : [segs];
  });
  // picomatch's regular expressions, tested directly (its matcher function costs far more per
  // call), after a cheap test of the literal leading directories: most globs fail that.
  const forms2 = forms.map((f) => ({
    prefix: literalPrefix(f),
    re: picomatch.makeRe(picomatchGlob(f), { dot: true }),
  }));
  const matches = (path: string) =>
    forms2.some(({ prefix, re }) => (prefix === '' || path.startsWith(prefix)) && re.test(path));
  return { text, alternatives, matches };
}

const parsedGlobs = new Map<string, Glob>();

/** `parseGlob` of a stored (already valid) glob, kept for reuse: every check reads the team's globs again. */
export function cachedGlob(text: string): Glob {
  let g = parsedGlobs.get(text);
  if (!g) {
    if (parsedGlobs.size >= 2000) parsedGlobs.clear();
    g = parseGlob(text);
    parsedGlobs.set(text, g);
  }
  return g;
}

// ---------------------------------------------------------------------------------------------
// Overlap: is there a file both globs match? A product of the two patterns, searched depth-first
// with memoized states, that also builds an example file (the witness) to show in conflicts.

/** Whether the set holds `c` (never `/`). */
function holds(set: CharSet, c: number): boolean {
  if (c === SLASH) return false;
  const inRanges = set.ranges.some(([lo, hi]) => c >= lo && c <= hi);
  return set.negated ? !inRanges : inRanges;
}

/** Characters tried first for a witness, so examples read naturally. */
const PREFERRED = [...'xab019_-.'].map((c) => c.charCodeAt(0));

/** A character both sets hold, or null. */
function commonChar(a: CharSet, b: CharSet): number | null {
  for (const c of PREFERRED) if (holds(a, c) && holds(b, c)) return c;
  // A positive set is a few ranges to walk; two negated sets leave nearly everything.
  const spans: [number, number][] = !a.negated ? a.ranges : !b.negated ? b.ranges : [[0x21, LAST_UNIT]];
  for (const [lo, hi] of spans) {
    for (let c = lo; c <= hi; c++) if (holds(a, c) && holds(b, c)) return c;
  }
  return null;
}

const ANY_NAME: Token[] = [{ kind: 'star' }];

/** A segment name both segments match, or null. */
function segmentWitness(a: Token[], b: Token[]): string | null {
  const memo = new Map<number, string | null>();
  const width = b.length + 1;
  const walk = (p: number, q: number): string | null => {
    const key = p * width + q;
    if (memo.has(key)) return memo.get(key) as string | null;
    memo.set(key, null);
    let found: string | null = null;
    const ta = a[p];
    const tb = b[q];
    if (!ta && !tb) found = '';
    // Two stars: one takes an "x" and ends (so examples read `x.ts`, not `.ts`).
    if (ta?.kind === 'star' && tb?.kind === 'star') {
      const rest = walk(p + 1, q);
      if (rest !== null) found = `x${rest}`;
    }
    if (found === null && ta?.kind === 'star') {
      found = walk(p + 1, q);
      if (found === null && tb?.kind === 'set') {
        const c = commonChar(tb.set, { negated: true, ranges: [] });
        const rest = c === null ? null : walk(p, q + 1);
        if (c !== null && rest !== null) found = String.fromCharCode(c) + rest;
      }
    }
    if (found === null && tb?.kind === 'star') {
      found = walk(p, q + 1);
      if (found === null && ta?.kind === 'set') {
        const c = commonChar(ta.set, { negated: true, ranges: [] });
        const rest = c === null ? null : walk(p + 1, q);
        if (c !== null && rest !== null) found = String.fromCharCode(c) + rest;
      }
    }
    if (found === null && ta?.kind === 'set' && tb?.kind === 'set') {
      const c = commonChar(ta.set, tb.set);
      const rest = c === null ? null : walk(p + 1, q + 1);
      if (c !== null && rest !== null) found = String.fromCharCode(c) + rest;
    }
    memo.set(key, found);
    return found;
  };
  const w = walk(0, 0);
  // Only stars on both sides matched the empty string; a segment is never empty, and stars take any name.
  return w === '' ? 'x' : w;
}

/** A path both segment lists match, as its segments, or null. */
function pathWitness(a: Segment[], b: Segment[]): string[] | null {
  // Fast reject: two different literal names at the same depth before any wildcard segment.
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x?.kind !== 'segment' || y?.kind !== 'segment' || x.literal === null || y.literal === null) break;
    if (x.literal !== y.literal) return null;
  }
  const memo = new Map<number, string[] | null>();
  const width = b.length + 1;
  const walk = (i: number, j: number): string[] | null => {
    const key = i * width + j;
    if (memo.has(key)) return memo.get(key) as string[] | null;
    memo.set(key, null);
    let found: string[] | null = null;
    const sa = a[i];
    const sb = b[j];
    if (!sa && !sb) found = [];
    // `**` matches no segment, or takes one segment the other side names and stays.
    if (found === null && sa?.kind === 'globstar') {
      found = walk(i + 1, j);
      if (found === null && sb?.kind === 'segment') {
        const name = segmentWitness(sb.tokens, ANY_NAME);
        const rest = name === null ? null : walk(i, j + 1);
        if (name !== null && rest !== null) found = [name, ...rest];
      }
    }
    if (found === null && sb?.kind === 'globstar') {
      found = walk(i, j + 1);
      if (found === null && sa?.kind === 'segment') {
        const name = segmentWitness(sa.tokens, ANY_NAME);
        const rest = name === null ? null : walk(i + 1, j);
        if (name !== null && rest !== null) found = [name, ...rest];
      }
    }
    if (found === null && sa?.kind === 'segment' && sb?.kind === 'segment') {
      const name = segmentWitness(sa.tokens, sb.tokens);
      const rest = name === null ? null : walk(i + 1, j + 1);
      if (name !== null && rest !== null) found = [name, ...rest];
    }
    memo.set(key, found);
    return found;
  };
  return walk(0, 0);
}

/**
 * A file both globs match (`src/api/x.ts` for `src/api/**` and `src/**\/*.ts`), or null when
 * they can match no common file. Symmetric: overlap in either direction counts.
 */
export function overlapWitness(a: Glob, b: Glob): string | null {
  for (const x of a.alternatives) {
    for (const y of b.alternatives) {
      const w = pathWitness(x, y);
      // Nothing but `**` on both sides: any file.
      if (w) return w.length ? w.join('/') : 'x';
    }
  }
  return null;
}

/** Whether some file matches both globs. */
export function globsOverlap(a: Glob, b: Glob): boolean {
  return overlapWitness(a, b) !== null;
}
