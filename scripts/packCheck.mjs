// Checks a packed app: what the packaged DW Studio needs is where it will look for it.
//
//   node scripts/packCheck.mjs [--json]       packs here without the Electron download (electron-builder
//                                              --dir against a stand-in Electron), then checks that
//   node scripts/packCheck.mjs <appOutDir>    checks a real build (npm run dist), e.g. release/linux-unpacked
//
// Checked: the bundles of scripts/entries.mjs and the renderer inside app.asar; every package the
// bundles require, and every runtime dependency, inside it too; the native addons (better-sqlite3 for
// the expected ABI, sharp) and the tfjs WebAssembly files unpacked where the code reads them through
// the archive; the sample project beside it; and the Electron fuses flipped as electron-builder.yml says.
import asar from '@electron/asar';
import fuses from '@electron/fuses';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { DEPLOY_ENTRIES, MAIN_ENTRIES, PRELOAD_ENTRIES } from './entries.mjs';

const { FuseV1Options, getCurrentFuseWire } = fuses;
/** A fuse's byte in the wire: ASCII '1' on, '0' off. */
const FuseState = { ENABLE: 0x31, DISABLE: 0x30 };

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(root, 'package.json'));
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const builderConfig = YAML.parse(readFileSync(path.join(root, 'electron-builder.yml'), 'utf8'));
const electronVersion = JSON.parse(readFileSync(require.resolve('electron/package.json'), 'utf8')).version;

/** The fuses the app must ship with, whatever else the config says. */
export const REQUIRED_FUSES = {
  runAsNode: false,
  enableNodeOptionsEnvironmentVariable: false,
  enableNodeCliInspectArguments: false,
  enableEmbeddedAsarIntegrityValidation: true,
  onlyLoadAppFromAsar: true,
};

const FUSE_INDEX = {
  runAsNode: FuseV1Options.RunAsNode,
  enableCookieEncryption: FuseV1Options.EnableCookieEncryption,
  enableNodeOptionsEnvironmentVariable: FuseV1Options.EnableNodeOptionsEnvironmentVariable,
  enableNodeCliInspectArguments: FuseV1Options.EnableNodeCliInspectArguments,
  enableEmbeddedAsarIntegrityValidation: FuseV1Options.EnableEmbeddedAsarIntegrityValidation,
  onlyLoadAppFromAsar: FuseV1Options.OnlyLoadAppFromAsar,
  loadBrowserProcessSpecificV8Snapshot: FuseV1Options.LoadBrowserProcessSpecificV8Snapshot,
  grantFileProtocolExtraPrivileges: FuseV1Options.GrantFileProtocolExtraPrivileges,
};

const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';

/**
 * A folder electron-builder takes for an unpacked Electron (`electronDist`): an `electron` executable
 * that is only a fuse wire (version 1, Electron's defaults), so packing and fuse flipping run offline.
 * The result packs like the real thing and does not run.
 */
export function makeStandInElectron(dir) {
  mkdirSync(dir, { recursive: true });
  const defaults = '10011001'; // RunAsNode, NodeOptions, CliInspect, FileProtocolExtraPrivileges on
  const binary = Buffer.concat([
    Buffer.from('#!/bin/sh\necho "a stand-in Electron for packing checks; it does not run" >&2\nexit 1\n'),
    Buffer.from(SENTINEL),
    Buffer.from([1, defaults.length]),
    Buffer.from(defaults),
  ]);
  writeFileSync(path.join(dir, 'electron'), binary);
  chmodSync(path.join(dir, 'electron'), 0o755);
  writeFileSync(path.join(dir, 'version'), electronVersion);
  for (const f of ['LICENSE', 'LICENSES.chromium.html']) writeFileSync(path.join(dir, f), '');
  mkdirSync(path.join(dir, 'resources'), { recursive: true });
  return dir;
}

/** electron-builder's own command, without npm_config_nodedir (it would build addons against Node's headers). */
export function runElectronBuilder(args, options = {}) {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^npm_config_nodedir$/i.test(k)),
  );
  const cli = path.join(path.dirname(require.resolve('electron-builder/package.json')), 'cli.js');
  return spawnSync(process.execPath, [cli, ...args], { cwd: root, env, encoding: 'utf8', ...options });
}

/** Packs into `outDir` against a stand-in Electron; returns the unpacked app folder. */
export function packWithStandIn(outDir) {
  const dist = makeStandInElectron(path.join(outDir, 'stand-in-electron'));
  const r = runElectronBuilder([
    '--dir',
    '--linux',
    '--x64',
    `-c.electronDist=${dist}`,
    '-c.npmRebuild=false',
    `-c.directories.output=${path.join(outDir, 'release')}`,
  ]);
  const appOutDir = path.join(outDir, 'release', 'linux-unpacked');
  if (r.status !== 0 || !existsSync(appOutDir)) {
    throw new Error(`electron-builder failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  }
  return appOutDir;
}

/** The NODE_MODULE_VERSION an addon was built for, from its registration symbol (null: N-API or unknown). */
export function addonAbi(file) {
  const m = /node_register_module_v(\d+)/.exec(readFileSync(file).toString('latin1'));
  return m ? Number(m[1]) : null;
}

/** Electron's NODE_MODULE_VERSION, as electron-builder's own rebuild reads it. */
export function electronAbi(version = electronVersion) {
  const rebuild = createRequire(require.resolve('app-builder-lib/package.json')).resolve(
    '@electron/rebuild/package.json',
  );
  return Number(createRequire(rebuild)('node-abi').getAbi(version, 'electron'));
}

/**
 * Checks an unpacked app folder. `abi`: the NODE_MODULE_VERSION the SQLite addon must have (Electron's
 * for a real build; a stand-in pack copies node_modules' own). Returns the checks, each ok or not.
 */
export async function checkPackedApp(appOutDir, { abi }) {
  const checks = [];
  const check = (name, ok, detail = '') => checks.push({ name, ok: Boolean(ok), detail });
  const resources = path.join(appOutDir, 'resources');
  const archive = path.join(resources, 'app.asar');
  if (!existsSync(archive)) {
    check('app.asar exists', false, archive);
    return { checks };
  }
  const listed = new Set(asar.listPackage(archive).map((p) => p.split(path.sep).join('/')));
  const has = (p) => listed.has(`/${p}`);
  const unpackedOnDisk = (p) => {
    try {
      return asar.statFile(archive, p).unpacked === true && existsSync(path.join(`${archive}.unpacked`, p));
    } catch {
      return false;
    }
  };

  const entries = Object.keys({ ...MAIN_ENTRIES, ...PRELOAD_ENTRIES }).map((n) => `dist/main/${n}.cjs`);
  for (const e of entries) check(`bundle ${e} in app.asar`, has(e));
  // Copied beside every exported model.
  for (const n of Object.keys(DEPLOY_ENTRIES))
    check(`exported models' module dist/deploy/${n}.mjs in app.asar`, has(`dist/deploy/${n}.mjs`));
  check('package.json in app.asar, naming the main bundle', has('package.json') && has(pkg.main), pkg.main);

  const html = readFileSync(path.join(root, 'dist', 'renderer', 'index.html'), 'utf8');
  const assets = [...html.matchAll(/(?:src|href)="\.?\/?([^"]+)"/g)].map((m) => `dist/renderer/${m[1]}`);
  for (const p of ['dist/renderer/index.html', ...assets]) check(`renderer ${p} in app.asar`, has(p));

  // Every package a bundle requires, and every runtime dependency, must resolve inside the archive.
  const optional = new Set(Object.keys(pkg.optionalDependencies ?? {}));
  const required = new Set(Object.keys(pkg.dependencies ?? {}));
  for (const name of Object.keys(MAIN_ENTRIES)) {
    const code = readFileSync(path.join(root, 'dist', 'main', `${name}.cjs`), 'utf8');
    for (const m of code.matchAll(/\b(?:require|import)\("([^"./][^"]*)"\)/g)) {
      const spec = m[1];
      const base = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
      if (
        base === 'electron' ||
        builtinModules.includes(base.replace(/^node:/, '')) ||
        base.startsWith('node:')
      )
        continue;
      required.add(base);
    }
  }
  for (const dep of [...required].sort()) {
    const installed = existsSync(path.join(root, 'node_modules', dep, 'package.json'));
    if (optional.has(dep) && !installed) continue; // not installed here, so not packed either
    check(`package ${dep} in app.asar`, has(`node_modules/${dep}/package.json`));
  }

  const sqlite = 'node_modules/better-sqlite3/build/Release/better_sqlite3.node';
  check(`${sqlite} unpacked beside the archive`, unpackedOnDisk(sqlite));
  const sqliteAbi = existsSync(path.join(`${archive}.unpacked`, sqlite))
    ? addonAbi(path.join(`${archive}.unpacked`, sqlite))
    : null;
  check(`${sqlite} built for ABI ${abi}`, sqliteAbi === abi, `it is built for ABI ${sqliteAbi}`);

  const natives = [...listed].filter((p) => /^\/node_modules\/(@img|sharp)\/.*(\.node|\.so[.\d]*)$/.test(p));
  check('sharp has its native files', natives.length >= 2, `${natives.length} found`);
  for (const p of natives) check(`${p.slice(1)} unpacked`, unpackedOnDisk(p.slice(1)));

  // The WebAssembly backend is not bundled: it reads its .wasm from its own dist/ (__dirname), which
  // inside the archive Electron's fs redirects to the unpacked copy.
  const wasmDir = 'node_modules/@tensorflow/tfjs-backend-wasm/dist';
  const wasm = readdirSync(path.join(root, wasmDir)).filter((f) => f.endsWith('.wasm'));
  check('tfjs WebAssembly files found', wasm.length === 3, wasm.join(', '));
  for (const f of wasm) check(`${wasmDir}/${f} unpacked`, unpackedOnDisk(`${wasmDir}/${f}`));
  const bundles = Object.keys(MAIN_ENTRIES).map((n) =>
    readFileSync(path.join(root, 'dist', 'main', `${n}.cjs`), 'utf8'),
  );
  check(
    'the WebAssembly backend is loaded from node_modules, not bundled',
    bundles.some((code) => /\b(?:require|import)\("@tensorflow\/tfjs-backend-wasm"\)/.test(code)),
  );

  const sample = path.join(resources, 'sample', 'blood-cells');
  const annotations = path.join(sample, 'annotations.json');
  const sampleOk =
    existsSync(annotations) &&
    JSON.parse(readFileSync(annotations, 'utf8')).images.every(
      (i) =>
        existsSync(path.join(sample, 'images', i.file_name)) || existsSync(path.join(sample, i.file_name)),
    );
  check('the sample project and its images beside the archive', sampleOk, sample);

  const exe = path.join(appOutDir, builderConfig.executableName ?? pkg.name);
  let wire = null;
  try {
    wire = await getCurrentFuseWire(exe);
  } catch (e) {
    check('fuse wire readable', false, e.message);
  }
  if (wire) {
    const wanted = { ...builderConfig.electronFuses };
    for (const [key, value] of Object.entries(REQUIRED_FUSES)) {
      check(`electron-builder.yml sets ${key}: ${value}`, wanted[key] === value, `it says ${wanted[key]}`);
    }
    for (const [key, value] of Object.entries(wanted)) {
      const state = wire[FUSE_INDEX[key]];
      check(
        `fuse ${key} ${value ? 'on' : 'off'} in ${path.basename(exe)}`,
        state === (value ? FuseState.ENABLE : FuseState.DISABLE),
        `it is ${state === FuseState.ENABLE ? 'on' : state === FuseState.DISABLE ? 'off' : state}`,
      );
    }
  }
  return { checks, entries, abi: sqliteAbi };
}

async function main(argv) {
  const json = argv.includes('--json');
  const target = argv.find((a) => !a.startsWith('--'));
  let tmp = null;
  let report;
  try {
    if (target) {
      report = await checkPackedApp(path.resolve(target), { abi: electronAbi() });
    } else {
      if (!existsSync(path.join(root, 'dist', 'renderer', 'index.html'))) {
        throw new Error('The app is not built: run npm run build first');
      }
      tmp = mkdtempSync(path.join(os.tmpdir(), 'dws-pack-'));
      const appOutDir = packWithStandIn(tmp);
      report = await checkPackedApp(appOutDir, { abi: Number(process.versions.modules) });
    }
  } finally {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }
  const failed = report.checks.filter((c) => !c.ok);
  if (json) console.log(JSON.stringify(report));
  else {
    for (const c of report.checks)
      console.log(`${c.ok ? 'ok  ' : 'FAIL'} ${c.name}${c.ok || !c.detail ? '' : `: ${c.detail}`}`);
    console.log(`${report.checks.length - failed.length} passed, ${failed.length} failed`);
  }
  process.exitCode = failed.length > 0 ? 1 : 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((e) => {
    console.error(`packCheck: ${e.message}`);
    process.exitCode = 1;
  });
}
