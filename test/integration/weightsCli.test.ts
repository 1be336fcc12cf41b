import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { builtCli } from './support/bundle';
import {
  deterministicBytes,
  serveFiles,
  sha256,
  testWeights,
  writeCatalog,
  type FileServer,
} from './support/testWeights';

// `dw-studio weights …` as a user runs it: the built bin, a fresh process each time, a fresh user-data
// folder per test, a catalog of generated files ($DW_STUDIO_WEIGHTS_CATALOG) and a server on loopback
// standing in for the download site ($DW_STUDIO_WEIGHTS_MIRROR).
let bin = '';
let tmp = '';
let home = '';
let server: FileServer;
let base = '';

const SMALL = deterministicBytes(120_000, 11);
const LARGE = deterministicBytes(2_500_000, 12);
const WRONG = deterministicBytes(120_000, 13);
const entryFor = (id: string, data: Buffer) =>
  testWeights(id, data, { licence: 'Apache-2.0', imagenetTop1: 70.1 });

const small = entryFor('small-test', SMALL);
const large = entryFor('large-test', LARGE);
let catalog = '';

beforeAll(async () => {
  bin = await builtCli();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'dws-weights-cli-'));
  catalog = writeCatalog(tmp, [small, large]);
  writeFileSync(path.join(tmp, 'small.pth'), SMALL);
  writeFileSync(path.join(tmp, 'wrong.pth'), WRONG);
  server = await serveFiles(
    new Map([
      [`/mirror/${small.fileName}`, SMALL],
      [`/mirror/${large.fileName}`, LARGE],
    ]),
  );
  base = server.base.slice(0, -1);
});

afterAll(async () => {
  await server.close();
  rmSync(tmp, { recursive: true, force: true });
});

beforeEach(() => {
  home = mkdtempSync(path.join(tmp, 'home-'));
  server.requests.length = 0;
});

/** Runs the command without blocking this process, whose server it may download from. */
function cli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: { ...process.env, DW_STUDIO_HOME: home, DW_STUDIO_WEIGHTS_CATALOG: catalog, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: stdout.trim(), stderr: stderr.trim() }));
  });
}

const weightsDir = () => path.join(home, 'weights');

describe('dw-studio weights', () => {
  it('lists the catalog: id, preset, size, state, licence, and the address of what is missing', async () => {
    const r = await cli(['weights', 'list']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^ID +PRESET +SIZE +STATE +LICENCE +URL$/);
    expect(lines[1]).toMatch(
      new RegExp(`^small-test +resnet18 +120\\.0 kB +not downloaded +Apache-2\\.0 +${escape(small.url)}$`),
    );
    expect(lines[2]).toMatch(
      new RegExp(`^large-test +resnet18 +2\\.5 MB +not downloaded +Apache-2\\.0 +${escape(large.url)}$`),
    );
    expect(lines[3]).toBe(`Folder: ${weightsDir()}`);
    expect(lines[4]).toContain('dw-studio weights download <id>');

    const json = await cli(['weights', 'list', '--json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({
      dir: weightsDir(),
      weights: [
        { ...small, state: 'missing', path: null, partialBytes: 0 },
        { ...large, state: 'missing', path: null, partialBytes: 0 },
      ],
    });
  });

  it('imports the right file, which list then shows as cached', async () => {
    const r = await cli(['weights', 'import', path.join(tmp, 'small.pth')]);
    const cached = path.join(weightsDir(), small.fileName);
    expect(r).toEqual({
      code: 0,
      stdout: `Imported Test weights small-test (small-test)\nSHA-256 ${small.sha256}\nSaved as ${cached}`,
      stderr: '',
    });
    expect(readFileSync(cached).equals(SMALL)).toBe(true);

    const list = await cli(['weights', 'list']);
    expect(list.stdout.split('\n')[1]).toMatch(/^small-test +resnet18 +120\.0 kB +cached +Apache-2\.0$/);
    const json = JSON.parse((await cli(['weights', 'list', '--json'])).stdout) as {
      weights: { id: string; state: string; path: string | null }[];
    };
    expect(json.weights.map((w) => [w.id, w.state, w.path])).toEqual([
      ['small-test', 'cached', cached],
      ['large-test', 'missing', null],
    ]);

    const again = await cli(['weights', 'import', path.join(tmp, 'small.pth'), '--id', 'small-test']);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(
      `Test weights small-test (small-test) is in the cache already, identical (SHA-256 ${small.sha256}): ` +
        `${cached}. Nothing was changed.`,
    );
    expect(await cli(['weights', 'verify'])).toEqual({
      code: 0,
      stdout: `OK small-test: ${cached}`,
      stderr: '',
    });
  });

  it('refuses a wrong file: exit 1, both hashes on stderr, nothing cached', async () => {
    const wrong = path.join(tmp, 'wrong.pth');
    const r = await cli(['weights', 'import', wrong, '--id', 'small-test']);
    expect(r).toEqual({
      code: 1,
      stdout: '',
      stderr:
        `dw-studio: ${wrong} is not Test weights small-test: its SHA-256 is ${sha256(WRONG)}, expected ` +
        `${small.sha256} (120,000 bytes from ${small.url})`,
    });
    const unknown = await cli(['weights', 'import', wrong]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe(
      `dw-studio: ${wrong} matches none of the known weights files (SHA-256 ${sha256(WRONG)}); known: ` +
        `${small.fileName} ${small.sha256}, ${large.fileName} ${large.sha256}`,
    );
    expect(existsSync(weightsDir()) ? readdirSync(weightsDir()) : []).toEqual([]);
  });

  it('downloads from the mirror with a progress line, then finds it cached', async () => {
    const r = await cli(['weights', 'download', 'large-test'], {
      DW_STUDIO_WEIGHTS_MIRROR: `${base}/mirror/`,
    });
    const cached = path.join(weightsDir(), large.fileName);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      `Downloaded Test weights large-test to ${cached} (2,500,000 bytes, SHA-256 ${large.sha256} checked)`,
    );
    // Not a terminal: plain lines, the last one complete.
    expect(r.stderr.split('\n')[0]).toBe(
      `Downloading Test weights large-test (2.5 MB) from ${base}/mirror/${large.fileName}`,
    );
    expect(r.stderr.split('\n').at(-1)).toMatch(
      /^large-test: 2\.5 MB \/ 2\.5 MB \(100 %\), [\d.]+ [kMG]?B\/s$/,
    );
    expect(server.requests).toEqual([{ method: 'GET', path: `/mirror/${large.fileName}`, range: undefined }]);
    expect(readFileSync(cached).equals(LARGE)).toBe(true);
    expect(readdirSync(weightsDir()).sort()).toEqual([large.fileName, `${large.fileName}.sha256`]);

    const again = await cli(['weights', 'download', 'large-test'], {
      DW_STUDIO_WEIGHTS_MIRROR: `${base}/mirror`,
    });
    expect(again).toEqual({
      code: 0,
      stdout: `Test weights large-test is in the cache already: ${cached}`,
      stderr: '',
    });
    expect(server.requests).toHaveLength(1);
  });

  it('says in one message what failed and how to add the file when the mirror cannot be reached', async () => {
    // An address where nothing answers: a server's, closed.
    const closed = await serveFiles(new Map());
    await closed.close();
    const mirror = `${closed.base}weights/`;
    const port = new URL(closed.base).port;
    const r = await cli(['weights', 'download', 'small-test'], { DW_STUDIO_WEIGHTS_MIRROR: mirror });
    expect(r).toEqual({
      code: 1,
      stdout: '',
      stderr:
        `Downloading Test weights small-test (120.0 kB) from ${mirror}${small.fileName}\n` +
        `dw-studio: Could not download Test weights small-test from ${mirror}${small.fileName}: ` +
        `127.0.0.1:${port} refused the connection (nothing answers at that address). ` +
        `Download ${small.url} (120,000 bytes, SHA-256 ${small.sha256}) on a computer that can reach it, ` +
        'then add the file here with Settings → "Import weights file…" or with `dw-studio weights import <file>`.',
    });
  });

  it('names an unknown id and a wrong catalog file', async () => {
    const r = await cli(['weights', 'download', 'resnet18-imagenet1k-v1']);
    expect(r).toEqual({
      code: 1,
      stdout: '',
      stderr: 'dw-studio: No weights have the id "resnet18-imagenet1k-v1"; known: small-test, large-test',
    });
    const bad = path.join(tmp, 'bad-catalog.json');
    writeFileSync(bad, JSON.stringify([{ ...small, bytes: '120000' }]));
    const list = await cli(['weights', 'list'], { DW_STUDIO_WEIGHTS_CATALOG: bad });
    expect(list.code).toBe(1);
    expect(list.stderr).toBe(
      `dw-studio: ${bad}: [0].bytes: expected the file's size in bytes (a positive integer), got "120000"`,
    );
  });

  it('uses the built-in catalog without the variable, and documents both variables in its help', async () => {
    const r = await cli(['weights', 'list', '--json'], { DW_STUDIO_WEIGHTS_CATALOG: '' });
    const ids = (JSON.parse(r.stdout) as { weights: { id: string }[] }).weights.map((w) => w.id);
    expect(ids).toContain('resnet18-imagenet1k-v1');
    const help = await cli(['weights', '--help']);
    expect(help.stdout).toContain('DW_STUDIO_WEIGHTS_MIRROR=<base URL>');
    expect(help.stdout).toContain('DW_STUDIO_WEIGHTS_CATALOG=<file.json>');
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
