import { build } from 'esbuild';
import { mkdirSync, readdirSync, renameSync, statSync } from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '../../..');
export const BIN = path.join(ROOT, 'bin', 'dw-studio.cjs');
const CLI_BUNDLE = path.join(ROOT, 'dist', 'main', 'cli.cjs');

/**
 * Bundles a TypeScript entry into one CommonJS file that plain `node` runs (native packages stay
 * external). It is written under node_modules/.cache, so `require('better-sqlite3')` resolves from there.
 */
export async function bundleForNode(entry: string, name: string): Promise<string> {
  const outfile = path.join(ROOT, 'node_modules', '.cache', 'dw-studio-tests', `${name}.${process.pid}.cjs`);
  await build({
    absWorkingDir: ROOT,
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    packages: 'external',
    logLevel: 'warning',
  });
  return outfile;
}

/**
 * The built command, as users run it (bin/dw-studio.cjs → dist/main/cli.cjs). `npm test` builds first;
 * when a direct vitest run finds the bundle older than the sources, only the CLI bundle is rebuilt,
 * with the options of scripts/build.mjs, and renamed into place so no reader sees half a file.
 */
export async function builtCli(): Promise<string> {
  const stale = (() => {
    try {
      return statSync(CLI_BUNDLE).mtimeMs < newest(path.join(ROOT, 'src-main'));
    } catch {
      return true;
    }
  })();
  if (stale) {
    const tmp = `${CLI_BUNDLE}.${process.pid}.tmp`;
    mkdirSync(path.dirname(CLI_BUNDLE), { recursive: true });
    await build({
      absWorkingDir: ROOT,
      entryPoints: ['src-main/cli/index.ts'],
      outfile: tmp,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      packages: 'external',
      logLevel: 'warning',
    });
    renameSync(tmp, CLI_BUNDLE);
  }
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
