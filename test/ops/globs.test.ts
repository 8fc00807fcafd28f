/**
 * Reservation globs (server/ops/globs.ts): normalizing, refusing what is not supported, and the
 * overlap rule, checked against picomatch itself: whenever a file matches both globs they
 * overlap, and every overlap comes with an example file that both globs match.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../server/errors.js';
import { globsOverlap, normalizePath, overlapWitness, parseGlob } from '../../server/ops/globs.js';

const overlap = (a: string, b: string) => globsOverlap(parseGlob(a), parseGlob(b));

describe('glob overlap', () => {
  const MATRIX: [string, string, boolean][] = [
    // The examples.
    ['src/api/**', 'src/**/*.ts', true],
    ['src/a/*.ts', 'src/b/**', false],
    ['src/**', 'src/api/users.ts', true],
    ['src/api/users.ts', 'src/api/users.ts', true],
    ['src/api/users.ts', 'src/api/orders.ts', false],
    ['**', 'README.md', true],
    ['**/*.md', 'docs/guide/intro.md', true],
    ['**/*.md', 'src/**/*.ts', false],
    ['src/*.ts', 'src/**/index.ts', true],
    ['src/*.ts', 'src/*/index.ts', false],
    ['src/**/test/*.ts', 'src/api/**', true],
    ['src/api', 'src/api/**', true],
    ['src/api/*', 'src/api', false],
    ['src/?.ts', 'src/ab.ts', false],
    ['src/?.ts', 'src/[a-c].ts', true],
    ['src/[a-c].ts', 'src/[d-f].ts', false],
    ['src/[!a].ts', 'src/a.ts', false],
    ['src/[^a].ts', 'src/[ab].ts', true],
    ['src/*.{ts,tsx}', 'src/app.tsx', true],
    ['src/{api,web}/**', 'src/cli/x.ts', false],
    ['src/{api,web}/**', 'src/web/x.ts', true],
    ['a*b', 'a*c', false],
    ['a*', '*b', true],
    ['*x*', '*y*', true],
    ['.env', '*', true],
    ['src/**/a/**/b', 'src/b/a/c', false],
    ['src/**/a/**/b', 'src/**/b', true],
    ['app/(marketing)/**', 'app/(marketing)/page.tsx', true],
    ['app/(marketing)/**', 'app/marketing/page.tsx', false],
  ];
  for (const [a, b, expected] of MATRIX) {
    it(`${a} and ${b}: ${expected ? 'overlap' : 'do not overlap'}, in either order`, () => {
      expect(overlap(a, b)).toBe(expected);
      expect(overlap(b, a)).toBe(expected);
      const w = overlapWitness(parseGlob(a), parseGlob(b));
      if (expected) {
        expect(parseGlob(a).matches(w as string), `${a} matches ${w}`).toBe(true);
        expect(parseGlob(b).matches(w as string), `${b} matches ${w}`).toBe(true);
      } else expect(w).toBeNull();
    });
  }

  it('names an example file that both globs cover', () => {
    expect(overlapWitness(parseGlob('src/api/**'), parseGlob('src/**/*.ts'))).toBe('src/api/x.ts');
  });

  // Small alphabets make shared files likely, so both outcomes are exercised often.
  const segmentGlob = fc.oneof(
    fc.constant('**'),
    fc
      .array(fc.constantFrom('a', 'b', '.', '*', '?', '[ab]', '[!a]', '[^b]', '[a-c]', '{a,b}', '{b,*}'), {
        minLength: 1,
        maxLength: 4,
      })
      .map((t) => t.join(''))
      .filter((s) => !s.includes('**') && s !== '.' && s !== '..'),
  );
  const glob = fc
    .array(segmentGlob, { minLength: 1, maxLength: 4 })
    .map((s) => s.join('/'))
    .filter((g) => {
      try {
        parseGlob(g);
        return true;
      } catch {
        return false;
      }
    });
  const file = fc
    .array(fc.stringMatching(/^[abc.]{1,3}$/), { minLength: 1, maxLength: 5 })
    .filter((s) => s.every((x) => x !== '.' && x !== '..'))
    .map((s) => s.join('/'));

  it('agrees with picomatch: a file both match means overlap; every overlap shows a file both match', () => {
    fc.assert(
      fc.property(glob, glob, fc.array(file, { minLength: 20, maxLength: 20 }), (a, b, files) => {
        const ga = parseGlob(a);
        const gb = parseGlob(b);
        const w = overlapWitness(ga, gb);
        expect(overlapWitness(gb, ga) === null).toBe(w === null);
        for (const f of files) {
          if (ga.matches(f) && gb.matches(f)) expect(w, `${a} and ${b} both match ${f}`).not.toBeNull();
        }
        if (w !== null && !w.split('/').some((s) => s === '.' || s === '..')) {
          expect(ga.matches(w), `${a} matches its witness ${w}`).toBe(true);
          expect(gb.matches(w), `${b} matches its witness ${w}`).toBe(true);
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe('glob syntax', () => {
  it('normalizes ./, // and a trailing slash', () => {
    expect(parseGlob('./src//api/').text).toBe('src/api/**');
    expect(parseGlob('src/./a.ts').text).toBe('src/a.ts');
    expect(normalizePath('./src//a.ts')).toBe('src/a.ts');
  });

  const refused: [string, RegExp][] = [
    ['/etc/passwd', /relative to the project root/],
    ['C:/x', /relative/],
    ['~/x', /relative/],
    ['../other/**', /"\.\." is not allowed/],
    ['src/../../x', /"\.\." is not allowed/],
    ['src\\a.ts', /backslash/],
    ['!src/**', /negated/],
    ['src/a**', /whole segment/],
    ['src/@(a|b)', /extglob/],
    ['src/[[:alpha:]]', /POSIX/],
    ['src/{1..3}', /ranges/],
    ['src/{a}', /two alternatives/],
    ['src/{a,b', /without its "}"/],
    ['src/a}', /without its "{"/],
    ['src/[ab', /without its "]"/],
    ['src/[z-a]', /backwards/],
    ['', /empty/],
    ['.', /names no file/],
    ['a\nb', /control/],
    ['x'.repeat(301), /longer than 300/],
    ['{a,b}/{c,d}/{e,f}/{g,h}/{i,j}', /more than 16/],
  ];
  for (const [g, why] of refused) {
    it(`refuses ${JSON.stringify(g.slice(0, 40))} saying why`, () => {
      let err: unknown;
      try {
        parseGlob(g);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(DomainError);
      expect((err as DomainError).code).toBe('invalid');
      expect((err as DomainError).message).toMatch(why);
    });
  }
});
