import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../../..');
const eslint = new ESLint({ cwd: ROOT });

async function layerErrors(code: string, asFile: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(ROOT, asFile) });
  return result!.messages.filter((m) => m.ruleId === 'layers/imports').map((m) => m.message);
}

describe('layers/imports lint rule', () => {
  it('rejects better-sqlite3, electron, node and src-main/store imports in the renderer (fixture)', async () => {
    const code = readFileSync(path.join(ROOT, 'test/fixtures/lint/renderer-imports-store.ts'), 'utf8');
    const errors = await layerErrors(code, 'src-renderer/views/Bad.ts');
    expect(errors).toEqual([
      "'renderer' may not import the package 'better-sqlite3'.",
      "'renderer' may not import the package 'electron'.",
      "'renderer' may not import the package 'node:*'.",
      expect.stringContaining("'renderer' may not import from 'store'"),
    ]);
  });

  it('lets the renderer import the shared contract', async () => {
    const code = "import { methods } from '../../src-main/shared/contract';\nexport { methods };\n";
    expect(await layerErrors(code, 'src-renderer/lib/x.ts')).toEqual([]);
  });

  it('keeps pure layers pure: detector may not touch the store or the file system', async () => {
    const code =
      "import fs from 'node:fs';\nimport { x } from '../store/db';\nimport * as tf from '@tensorflow/tfjs-core';\nexport { fs, x, tf };\n";
    const errors = await layerErrors(code, 'src-main/detector/head.ts');
    expect(errors).toHaveLength(2);
    expect(errors[0]).toContain("'node:*'");
    expect(errors[1]).toContain("'detector' may not import from 'store'");
  });

  it('allows electron only in the app layer, and as types in transport', async () => {
    const value = "import { app } from 'electron';\nexport { app };\n";
    const typeOnly = "import type { IpcMain } from 'electron';\nexport type { IpcMain };\n";
    expect(await layerErrors(value, 'src-main/services/x.ts')).toHaveLength(1);
    expect(await layerErrors(value, 'src-main/transport/x.ts')).toHaveLength(1);
    expect(await layerErrors(typeOnly, 'src-main/transport/x.ts')).toEqual([]);
    expect(await layerErrors(value, 'src-main/app/x.ts')).toEqual([]);
  });

  it('catches require() and dynamic import() too', async () => {
    const code = "const db = require('better-sqlite3');\nconst m = import('electron');\nexport { db, m };\n";
    expect(await layerErrors(code, 'src-renderer/x.ts')).toHaveLength(2);
  });

  it('keeps API calls out of views and components: they go through the state classes', async () => {
    const code =
      "export const load = (app: { api: { call(m: string): void } }) => app.api.call('images.list');\n";
    const restricted = async (file: string) => {
      const [result] = await eslint.lintText(code, { filePath: path.join(ROOT, file) });
      return result!.messages.filter((m) => m.ruleId === 'no-restricted-syntax').map((m) => m.message);
    };
    expect(await restricted('src-renderer/components/Bad.ts')).toEqual([
      'Views call the API through their state classes (src-renderer/lib/state), not api.call / api.on.',
    ]);
    expect(await restricted('src-renderer/lib/state/fine.ts')).toEqual([]);
  });
});
