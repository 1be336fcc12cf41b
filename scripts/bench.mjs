// `node scripts/bench.mjs <name> [args]`: bundles test/bench/<name>.ts for plain Node and runs it in a
// fresh process, so a benchmark measures the code as the app runs it (no test runner, no transpiler).
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const [name, ...args] = process.argv.slice(2);
const entry = path.join(root, 'test', 'bench', `${name ?? ''}.ts`);
if (!name || !existsSync(entry)) {
  console.error(`usage: node scripts/bench.mjs <name>   (a file test/bench/<name>.ts)`);
  process.exit(2);
}
// Under node_modules so that the external packages (better-sqlite3, sharp) resolve from the bundle.
const outfile = path.join(root, 'node_modules', '.cache', 'dw-studio-bench', `${name}.cjs`);
await build({
  absWorkingDir: root,
  entryPoints: [entry],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  packages: 'external',
  sourcemap: 'inline',
  logLevel: 'warning',
});
const r = spawnSync(process.execPath, ['--enable-source-maps', outfile, ...args], { stdio: 'inherit' });
process.exit(r.status ?? 1);
