import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { MAIN_ENTRIES, PRELOAD_ENTRIES } from '../../scripts/entries.mjs';
import { ROOT } from './support/bundle';

// The package that ships: electron-builder packs the app (against a stand-in Electron, since the real one
// cannot be downloaded here) and scripts/packCheck.mjs checks the layout the packaged app reads from.

interface Report {
  checks: { name: string; ok: boolean; detail: string }[];
  entries: string[];
  abi: number | null;
}

describe('the packed app', () => {
  it(
    'has every bundle, package, native file, WebAssembly file, the sample and the fuses where they belong',
    { timeout: 300_000 },
    () => {
      const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'packCheck.mjs'), '--json'], {
        cwd: ROOT,
        encoding: 'utf8',
      });
      expect(r.stderr.trim().split('\n').at(-1) ?? '').not.toMatch(/^packCheck:/);
      const report = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Report;
      const failed = report.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
      expect(failed).toEqual([]);
      expect(r.status).toBe(0);
      // The bundles come from the build's own entry list: whatever it builds is checked.
      const names = Object.keys({ ...MAIN_ENTRIES, ...PRELOAD_ENTRIES }).map((n) => `dist/main/${n}.cjs`);
      expect(names).toEqual(expect.arrayContaining(['dist/main/app.cjs', 'dist/main/trainer.cjs']));
      expect(report.entries.sort()).toEqual(names.sort());
      const checked = report.checks.map((c) => c.name);
      for (const want of [
        'bundle dist/main/trainer.cjs in app.asar',
        "exported models' module dist/deploy/detector.mjs in app.asar",
        'node_modules/better-sqlite3/build/Release/better_sqlite3.node unpacked beside the archive',
        'node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm unpacked',
        'the sample project and its images beside the archive',
        'fuse runAsNode off in dw-studio',
        'fuse onlyLoadAppFromAsar on in dw-studio',
      ]) {
        expect(checked).toContain(want);
      }
    },
  );
});

describe('electron-builder.yml', () => {
  it('sets the Electron fuses: no RunAsNode, NODE_OPTIONS or inspect arguments; asar integrity; app only from asar', () => {
    const config = YAML.parse(readFileSync(path.join(ROOT, 'electron-builder.yml'), 'utf8')) as {
      electronFuses?: Record<string, boolean>;
      asar?: boolean;
    };
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
    });
    expect(config.asar).not.toBe(false);
  });
});
