import { build } from 'esbuild';
import { mkdirSync, readdirSync, renameSync, statSync } from 'node:fs';
import path from 'node:path';
import { DEPLOY_BUILD, DEPLOY_ENTRIES, NODE_BUILD, MAIN_ENTRIES } from '../../../scripts/entries.mjs';

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
  return fresh(path.join(ROOT, 'dist', 'main', `${name}.cjs`), (outfile) =>
    build({ absWorkingDir: ROOT, ...NODE_BUILD, entryPoints: [MAIN_ENTRIES[name]], outfile }),
  );
}

/** dist/deploy/detector.mjs, the module an exported model ships with, rebuilt the same way when stale. */
export async function builtDeployModule(): Promise<string> {
  const { outExtension: _, ...options } = DEPLOY_BUILD;
  return fresh(path.join(ROOT, 'dist', 'deploy', 'detector.mjs'), (outfile) =>
    build({ absWorkingDir: ROOT, ...options, entryPoints: [DEPLOY_ENTRIES.detector], outfile }),
  );
}

/** `bundle`, built into place (through a rename, so no reader sees half a file) when older than src-main. */
async function fresh(bundle: string, make: (outfile: string) => Promise<unknown>): Promise<string> {
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
    await make(tmp);
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
