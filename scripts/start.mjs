// `npm start`: launch the desktop app. Electron's runtime is downloaded on first use, and better-sqlite3's
// addon is built for it (node_modules keeps Node's build, for the tests and the CLI); where either cannot
// happen (no internet, no compiler), say so in a few lines and point to serve mode instead of a stack trace.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { AddonBuildError, ensureElectronSqliteAddon } from './electronNative.mjs';

const require = createRequire(import.meta.url);
const electronDir = path.dirname(require.resolve('electron/package.json'));
const version = JSON.parse(readFileSync(path.join(electronDir, 'package.json'), 'utf8')).version;

const distDir = process.env.ELECTRON_OVERRIDE_DIST_PATH || path.join(electronDir, 'dist');

function binaryPath() {
  const pathFile = path.join(electronDir, 'path.txt');
  const rel = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : null;
  if (process.env.ELECTRON_OVERRIDE_DIST_PATH) return path.join(distDir, rel || 'electron');
  return rel ? path.join(distDir, rel) : null;
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

// The addon must match the Electron that runs (an override may be another version than the package's).
const versionFile = path.join(distDir, 'version');
const runtimeVersion = existsSync(versionFile) ? readFileSync(versionFile, 'utf8').trim() : version;
let sqliteBinding;
try {
  sqliteBinding = ensureElectronSqliteAddon(runtimeVersion);
} catch (e) {
  if (!(e instanceof AddonBuildError)) throw e;
  console.error(`
DW Studio cannot start its desktop window: its SQLite addon (better-sqlite3) could not be built for
Electron ${runtimeVersion}:
${e.steps.map((s) => `  - ${s}`).join('\n')}

To fix it, then run npm start again:
  - let this machine reach github.com (prebuilt addons) and electronjs.org (Electron's headers)
  - and for a build from source, install Python 3 and a C++ compiler (Linux: python3 make g++;
    macOS: xcode-select --install; Windows: Visual Studio Build Tools, "Desktop development with C++")

Without Electron, use DW Studio in your browser:  npm run serve
`);
  process.exit(1);
}

const child = spawn(bin, [path.resolve(import.meta.dirname ?? '.', '..')], {
  stdio: 'inherit',
  env: { ...process.env, DWS_SQLITE_BINDING: sqliteBinding },
});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
