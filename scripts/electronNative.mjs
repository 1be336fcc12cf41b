// better-sqlite3's native addon for Electron, for `npm start`. node_modules holds the build for Node's ABI
// (the tests and the CLI need it), so Electron loads its own build from a cache beside it, made on first
// start by better-sqlite3's own install route in a copy of the package: a prebuilt download
// (prebuild-install), else a compile against Electron's headers (node-gyp). The package itself is never
// touched. Packaged apps need none of this: electron-builder rebuilds the addon for Electron.
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(root, 'package.json'));
const sqliteDir = path.dirname(require.resolve('better-sqlite3/package.json'));
const sqliteVersion = JSON.parse(readFileSync(path.join(sqliteDir, 'package.json'), 'utf8')).version;
const ADDON = 'better_sqlite3.node';

/** What failed, step by step (`steps`: one short line per route tried), without a stack trace. */
export class AddonBuildError extends Error {
  constructor(message, steps) {
    super(message);
    this.name = 'AddonBuildError';
    this.steps = steps;
  }
}

/** The cached addon for one Electron version, platform, arch and better-sqlite3 version. */
export function electronAddonPath(version, platform = process.platform, arch = process.arch) {
  return path.join(
    root,
    'node_modules',
    '.cache',
    'dw-studio-electron',
    `${version}-${platform}-${arch}`,
    `better-sqlite3-${sqliteVersion}`,
    ADDON,
  );
}

/**
 * The Electron build of better-sqlite3's addon, built on first use (one progress line through `log`).
 * Returns its path; throws AddonBuildError when it cannot be had.
 */
export function ensureElectronSqliteAddon(version, { log = console.log } = {}) {
  const file = electronAddonPath(version);
  if (existsSync(file)) return file;
  log(`Building the SQLite addon for Electron ${version} (first start only)…`);
  return buildSqliteAddon({ runtime: 'electron', target: version, outDir: path.dirname(file) });
}

/**
 * Builds better-sqlite3's addon for `runtime` ('electron' or 'node') version `target` and writes it
 * atomically to `outDir`/better_sqlite3.node, whose path it returns. `env` is the environment of the
 * install tools; for Electron, npm_config_nodedir is dropped from it, since it would build against
 * Node's headers without a word.
 */
export function buildSqliteAddon({
  runtime,
  target,
  outDir,
  arch = process.arch,
  platform = process.platform,
  jobs = 'max',
  env = process.env,
}) {
  const staging = mkdtempSync(path.join(os.tmpdir(), 'dws-sqlite-addon-'));
  const steps = [];
  try {
    cpSync(sqliteDir, staging, {
      recursive: true,
      filter: (src) => src !== path.join(sqliteDir, 'build'),
    });
    const built = path.join(staging, 'build', 'Release', ADDON);
    const prebuilt = run(
      'prebuild-install',
      [
        resolveTool('prebuild-install/bin.js'),
        `--runtime=${runtime}`,
        `--target=${target}`,
        `--arch=${arch}`,
        `--platform=${platform}`,
      ],
      { cwd: staging, env, timeout: 120_000 },
    );
    if (!prebuilt.ok || !existsSync(built)) {
      steps.push(`prebuild-install: ${prebuilt.ok ? 'it wrote no addon' : prebuilt.reason}`);
      const compiled = compile({ runtime, target, arch, platform, jobs, env, cwd: staging });
      if (!compiled.ok || !existsSync(built)) {
        steps.push(`node-gyp: ${compiled.ok ? `it wrote no ${ADDON}` : compiled.reason}`);
        throw new AddonBuildError(`Cannot build better-sqlite3 for ${runtime} ${target}`, steps);
      }
    }
    mkdirSync(outDir, { recursive: true });
    const dest = path.join(outDir, ADDON);
    const partial = `${dest}.${process.pid}.partial`;
    copyFileSync(built, partial);
    renameSync(partial, dest);
    return dest;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

function compile({ runtime, target, arch, platform, jobs, env, cwd }) {
  if (platform !== process.platform) {
    return { ok: false, reason: `it cannot compile for ${platform} on ${process.platform}` };
  }
  const gyp = nodeGyp(env);
  if (!gyp) return { ok: false, reason: 'node-gyp is not installed (npm install -g node-gyp)' };
  const args = [gyp, 'rebuild', '--release', `--target=${target}`, `--arch=${arch}`, `--jobs=${jobs}`];
  let gypEnv = env;
  if (runtime === 'electron') {
    args.push(
      '--runtime=electron',
      '--dist-url=https://electronjs.org/headers',
      // Electron's headers apart from Node's of the same version number (as @electron/rebuild does).
      `--devdir=${path.join(os.homedir(), '.electron-gyp')}`,
    );
    gypEnv = Object.fromEntries(Object.entries(env).filter(([k]) => !/^npm_config_nodedir$/i.test(k)));
  }
  return run('node-gyp', args, { cwd, env: gypEnv, timeout: 1_200_000 });
}

/** A tool's entry file, as installed with the app (better-sqlite3's own dependency first). */
function resolveTool(request) {
  return createRequire(path.join(sqliteDir, 'package.json')).resolve(request);
}

/** node-gyp: the one installed with the app, else npm's own (npm run sets npm_config_node_gyp). */
function nodeGyp(env) {
  try {
    return resolveTool('node-gyp/bin/node-gyp.js');
  } catch {
    const npmGyp = env.npm_config_node_gyp;
    return npmGyp && existsSync(npmGyp) ? npmGyp : null;
  }
}

function run(tool, args, { cwd, env, timeout }) {
  const r = spawnSync(process.execPath, args, {
    cwd,
    env,
    timeout,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    windowsHide: true,
  });
  if (r.error) {
    const reason = r.error.code === 'ETIMEDOUT' ? `${tool} timed out` : r.error.message;
    return { ok: false, reason };
  }
  if (r.status === 0) return { ok: true };
  return { ok: false, reason: firstProblem(`${r.stderr}\n${r.stdout}`) ?? `${tool} exited with ${r.status}` };
}

/** The line of a tool's output that says what went wrong, shortened. */
function firstProblem(output) {
  const lines = output
    .split('\n')
    .map((l) =>
      l.replace(/^(gyp|prebuild-install) (ERR!|WARN|warn|info|http)( (stack|install|build))?/, '').trim(),
    )
    .filter(Boolean);
  const offline = lines.find((l) =>
    /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|ECONNRESET|fetch failed|network connectivity/.test(l),
  );
  if (offline) {
    const url = lines.findLast((l) => /^GET https?:\/\//.test(l))?.split(' ')[1];
    const host = /ENOTFOUND (\S+)/.exec(offline)?.[1] ?? (url ? new URL(url).host : null);
    return host
      ? `the download failed: this machine cannot reach ${host}`
      : 'the download failed (no network)';
  }
  const line =
    lines.find((l) => /No prebuilt binaries found/i.test(l)) ??
    lines.find((l) => /\berror\b[:!]|Error:/i.test(l)) ??
    lines.find((l) => /not found|cannot|could not|unable/i.test(l));
  return line?.replace(/^Error:\s*/, '').slice(0, 200);
}
