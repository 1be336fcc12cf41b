// `npm start`: launch the desktop app. Electron's runtime is downloaded on first use; where that cannot
// happen (no internet), say so in a few lines and point to serve mode instead of printing a stack trace.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const electronDir = path.dirname(require.resolve('electron/package.json'));
const version = JSON.parse(readFileSync(path.join(electronDir, 'package.json'), 'utf8')).version;

function binaryPath() {
  const pathFile = path.join(electronDir, 'path.txt');
  const rel = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : null;
  if (process.env.ELECTRON_OVERRIDE_DIST_PATH) {
    return path.join(process.env.ELECTRON_OVERRIDE_DIST_PATH, rel || 'electron');
  }
  return rel ? path.join(electronDir, 'dist', rel) : null;
}

let bin = binaryPath();
if (!bin || !existsSync(bin)) {
  console.log(`Fetching the Electron ${version} runtime (first start only)…`);
  const r = spawnSync(process.execPath, [path.join(electronDir, 'install.js')], {
    encoding: 'utf8',
    timeout: 300_000,
  });
  bin = binaryPath();
  if (r.status !== 0 || !bin || !existsSync(bin)) {
    const detail = `${r.stderr ?? ''}${r.stdout ?? ''}`;
    const cause = /ENOTFOUND|fetch failed|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT/.test(detail)
      ? 'the download failed: this machine cannot reach github.com'
      : (detail
          .trim()
          .split('\n')
          .find((l) => /error/i.test(l)) ?? `the installer exited with ${r.status}`);
    console.error(`
DW Studio cannot start its desktop window: the Electron ${version} runtime is not installed
(${cause.trim()}).

To get Electron:
  - on a machine with internet access, run:  npx install-electron
  - or download electron-v${version}-${process.platform}-${process.arch}.zip from
    https://github.com/electron/electron/releases/tag/v${version}, unzip it, and start with
    ELECTRON_OVERRIDE_DIST_PATH=/path/to/unzipped npm start

Without Electron, use DW Studio in your browser:  npm run serve
`);
    process.exit(1);
  }
}

const child = spawn(bin, [path.resolve(import.meta.dirname ?? '.', '..')], { stdio: 'inherit' });
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
