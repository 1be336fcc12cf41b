import { build } from 'esbuild';
import { mkdirSync, readdirSync, renameSync, statSync } from 'node:fs';
import path from 'node:path';
import { NODE_BUILD, MAIN_ENTRIES } from '../../../scripts/entries.mjs';

export const ROOT = path.resolve(__dirname, '../../..');
export const BIN = path.join(ROOT, 'bin', 'dw-studio.cjs');

/**
 * Bundles a TypeScript entry into one CommonJS file that plain `node` runs (native packages stay
 * external). It is written under node_modules/.cache, so `require('better-sqlite3')` resolves from there.
 */
export async function bundleForNode(entry: string, name: string): Promise<string> {
  const outfile = path.join(ROOT, 'node_modules', '.cache', 'dw-studio-tests', `${name}.${process.pid}.cjs`);
  await build({ absWorkingDir: ROOT, ...NODE_BUILD, entryPoints: [entry], outfile });
  return outfile;
}

/**
 * dist/main/<name>.cjs as scripts/build.mjs makes it. `npm test` builds first; when a direct vitest
 * run finds the bundle older than the sources, it is rebuilt alone and renamed into place, so no
 * reader sees half a file.
 */
export async function builtBundle(name: keyof typeof MAIN_ENTRIES): Promise<string> {
  const bundle = path.join(ROOT, 'dist', 'main', `${name}.cjs`);
  const stale = (() => {
    try {
      return statSync(bundle).mtimeMs < newest(path.join(ROOT, 'src-main'));
    } catch {
      return true;
    }
  })();
  if (stale) {
    const tmp = `${bundle}.${process.pid}.tmp`;
    mkdirSync(path.dirname(bundle), { recursive: true });
    await build({ absWorkingDir: ROOT, ...NODE_BUILD, entryPoints: [MAIN_ENTRIES[name]], outfile: tmp });
    renameSync(tmp, bundle);
  }
  return bundle;
}

/** The built command, as users run it (bin/dw-studio.cjs → dist/main/cli.cjs). */
export async function builtCli(): Promise<string> {
  await builtBundle('cli');
  return BIN;
}

function newest(dir: string): number {
  return Math.max(
    0,
    ...readdirSync(dir, { withFileTypes: true }).map((e) => {
      const p = path.join(dir, e.name);
      return e.isDirectory() ? newest(p) : statSync(p).mtimeMs;
    }),
  );
}
