/**
 * A search query as a person types it, parsed once and rendered for each dialect's full-text
 * engine, so both accept the same syntax and no input can make either fail: words (all must
 * occur), "quoted phrases", OR between alternatives, and -word or -"phrase" to leave out.
 * Words are matched by stem ('english' / porter): `retention` finds "retained".
 */
import { type RawBuilder, sql } from 'kysely';

export interface ParsedQuery {
  /** Alternatives (joined by OR), each a list of phrases that must all occur. */
  any: string[][];
  /** Phrases none of which may occur. */
  none: string[];
}

/** Something to match: at least one letter or digit (punctuation alone indexes as nothing). */
const MATCHABLE = /[\p{L}\p{N}]/u;

/**
 * Splits `text` into phrases, OR and exclusions; quotes need not be closed. Returns null when
 * nothing in it can match (only punctuation, operators or exclusions): the search finds nothing.
 */
export function parseQuery(text: string): ParsedQuery | null {
  const any: string[][] = [[]];
  const none: string[] = [];
  for (const m of text.matchAll(/(-?)"([^"]*)"?|(\S+)/g)) {
    const negated = m[1] === '-' || (m[3]?.startsWith('-') ?? false);
    const bare = m[3];
    if (bare === 'OR') {
      if ((any.at(-1) as string[]).length > 0) any.push([]);
      continue;
    }
    const phrase = (bare !== undefined ? bare.replace(/^-+/, '') : (m[2] ?? '')).trim();
    if (!MATCHABLE.test(phrase)) continue;
    if (negated) none.push(phrase);
    else (any.at(-1) as string[]).push(phrase);
  }
  const groups = any.filter((g) => g.length > 0);
  return groups.length > 0 ? { any: groups, none } : null;
}

/**
 * An FTS5 MATCH expression: every phrase is an FTS5 string (double quotes, inner quotes
 * doubled), so operators and column filters in the input are only ever text.
 */
export function fts5Match(q: ParsedQuery): string {
  const str = (p: string) => `"${p.replaceAll('"', '""')}"`;
  const pos = q.any.map((g) => `(${g.map(str).join(' AND ')})`).join(' OR ');
  return q.none.length ? `(${pos}) NOT (${q.none.map(str).join(' OR ')})` : pos;
}

/** A PostgreSQL tsquery: each phrase through phraseto_tsquery (which takes any text), joined by tsquery operators. */
export function pgTsQuery(q: ParsedQuery): RawBuilder<unknown> {
  const phrase = (p: string) => sql`phraseto_tsquery('english'::regconfig, ${p})`;
  const pos = sql.join(
    q.any.map((g) => sql`(${sql.join(g.map(phrase), sql` && `)})`),
    sql` || `,
  );
  return q.none.length ? sql`(${pos}) && !!(${sql.join(q.none.map(phrase), sql` || `)})` : sql`(${pos})`;
}

/** Marks the engines put around matched words in a snippet (control characters: no stored text holds them). */
export const MARK_START = '\u0002';
export const MARK_END = '\u0003';
/** Stands in for `<` in text given to PostgreSQL's ts_headline (which would drop tag-like text). */
export const LT_STAND_IN = '\u0004';

/**
 * A raw snippet into one line of plain text and the `[start, end)` spans (UTF-16 offsets)
 * of the matched words, runs of whitespace collapsed to one space.
 */
export function splitSnippet(raw: string): { snippet: string; highlights: [number, number][] } {
  const flat = raw.replaceAll(LT_STAND_IN, '<').replace(/\s+/g, ' ').trim();
  let snippet = '';
  let open = -1;
  const highlights: [number, number][] = [];
  for (const ch of flat) {
    if (ch === MARK_START) open = snippet.length;
    else if (ch === MARK_END) {
      if (open >= 0 && snippet.length > open) highlights.push([open, snippet.length]);
      open = -1;
    } else snippet += ch;
  }
  return { snippet, highlights };
}
