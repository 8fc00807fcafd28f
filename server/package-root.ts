/**
 * Where the package's own files are (migrations, the board's static files, the launcher,
 * package.json), found from this module's location. The same code runs from the TypeScript
 * sources (`server/…`) and from the compiled bundle (`dist/…`), which sit at different depths,
 * so paths are taken from the package root rather than relative to the importing file.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/**
 * The absolute path of the folder holding Switchboard's package.json: the nearest ancestor
 * of this module that has one (dist/ and the source folders have none of their own).
 * Errors: throws when no ancestor holds a package.json (a copied-out file).
 */
export function packageRoot(): string {
  if (root) return root;
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) {
      root = dir;
      return root;
    }
    if (dirname(dir) === dir) throw new Error(`no package.json above ${start}`);
  }
}

/** An absolute path inside the package, e.g. `packagePath('migrations', 'sqlite')`. */
export const packagePath = (...parts: string[]): string => join(packageRoot(), ...parts);

let version: string | undefined;

/** The package's version from package.json, e.g. `0.1.0` (read once). */
export function packageVersion(): string {
  version ??= (JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { version: string }).version;
  return version;
}
