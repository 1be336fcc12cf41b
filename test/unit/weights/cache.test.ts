import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PRETRAINED } from '../../../src-main/shared/pretrained';
import { WeightsCache, WeightsMismatchError } from '../../../src-main/weights/cache';
import { CATALOG_ENV, loadCatalog } from '../../../src-main/weights/catalog';
import { deterministicBytes, sha256, testWeights } from '../../integration/support/testWeights';

const A = deterministicBytes(200_000, 1);
const B = deterministicBytes(150_000, 2);
const WRONG = deterministicBytes(200_000, 3);
const a = testWeights('a', A);
const b = testWeights('b', B);

let tmp = '';
let dir = '';
let cache: WeightsCache;
beforeEach(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'dws-weights-cache-'));
  dir = path.join(tmp, 'weights');
  cache = new WeightsCache(dir, [a, b]);
  writeFileSync(path.join(tmp, 'a.pth'), A);
  writeFileSync(path.join(tmp, 'b.pth'), B);
  writeFileSync(path.join(tmp, 'wrong.pth'), WRONG);
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

/** Every file in the cache folder with its bytes' hash (null when the folder does not exist). */
function snapshot(): Record<string, string> | null {
  if (!existsSync(dir)) return null;
  return Object.fromEntries(readdirSync(dir).map((f) => [f, sha256(readFileSync(path.join(dir, f)))]));
}

describe('WeightsCache', () => {
  it('uses the built-in catalog by default', () => {
    expect(new WeightsCache(dir).list().map((e) => e.weights)).toEqual(PRETRAINED);
  });

  it('lists each entry as missing, partial (an interrupted download) or cached', async () => {
    expect(cache.list()).toEqual([
      { weights: a, state: 'missing', path: null, partialBytes: 0 },
      { weights: b, state: 'missing', path: null, partialBytes: 0 },
    ]);
    mkdirSync(dir);
    writeFileSync(path.join(dir, `${b.fileName}.part`), B.subarray(0, 1234));
    await cache.import(path.join(tmp, 'a.pth'));
    expect(cache.list()).toEqual([
      { weights: a, state: 'cached', path: path.join(dir, a.fileName), partialBytes: 0 },
      { weights: b, state: 'partial', path: null, partialBytes: 1234 },
    ]);
    expect(cache.pathOf('a')).toBe(path.join(dir, a.fileName));
    expect(cache.pathOf('b')).toBeNull();
    expect(cache.pathOf('c')).toBeNull();
    expect(() => cache.entry('c')).toThrow('No weights have the id "c"; known: a, b');
  });

  it('imports the right file by its hash alone, or checked against --id; atomically, with its record', async () => {
    const byHash = await cache.import(path.join(tmp, 'a.pth'));
    expect(byHash).toEqual({
      weights: a,
      path: path.join(dir, a.fileName),
      sha256: a.sha256,
      alreadyCached: false,
    });
    const byId = await cache.import(path.join(tmp, 'b.pth'), 'b');
    expect(byId).toMatchObject({ weights: b, alreadyCached: false });
    expect(readFileSync(path.join(dir, a.fileName)).equals(A)).toBe(true);
    expect(readFileSync(path.join(dir, b.fileName)).equals(B)).toBe(true);
    expect(readFileSync(path.join(dir, `${a.fileName}.sha256`), 'utf8')).toBe(`${a.sha256}  ${a.fileName}\n`);
    // Nothing else: no temporary file left behind.
    expect(readdirSync(dir).sort()).toEqual(
      [a.fileName, `${a.fileName}.sha256`, b.fileName, `${b.fileName}.sha256`].sort(),
    );
  });

  it('refuses a wrong file with both hashes in the message, and leaves the cache as it was', async () => {
    const wrong = path.join(tmp, 'wrong.pth');
    const actual = sha256(WRONG);
    await expect(cache.import(wrong, 'a')).rejects.toThrow(
      `${wrong} is not Test weights a: its SHA-256 is ${actual}, expected ${a.sha256} ` +
        `(200,000 bytes from ${a.url})`,
    );
    await expect(cache.import(wrong)).rejects.toThrow(
      `${wrong} matches none of the known weights files (SHA-256 ${actual}); known: ` +
        `${a.fileName} ${a.sha256}, ${b.fileName} ${b.sha256}`,
    );
    expect(snapshot()).toBeNull();

    await cache.import(path.join(tmp, 'b.pth'));
    const before = snapshot();
    const e = await cache.import(path.join(tmp, 'a.pth'), 'b').catch((err: unknown) => err);
    expect(e).toBeInstanceOf(WeightsMismatchError);
    expect(e).toMatchObject({ code: 'invalid_data', expected: b.sha256, actual: a.sha256 });
    expect(snapshot()).toEqual(before);
    expect(cache.list().map((x) => x.state)).toEqual(['missing', 'cached']);
  });

  it('re-importing a cached file is a no-op that says so', async () => {
    await cache.import(path.join(tmp, 'a.pth'));
    const file = path.join(dir, a.fileName);
    const mtime = statSync(file).mtimeMs;
    const again = await cache.import(path.join(tmp, 'a.pth'), 'a');
    expect(again).toEqual({ weights: a, path: file, sha256: a.sha256, alreadyCached: true });
    // Importing the cached file itself is the same.
    expect((await cache.import(file)).alreadyCached).toBe(true);
    expect(statSync(file).mtimeMs).toBe(mtime);
  });

  it('names a missing source file or an unknown id', async () => {
    await expect(cache.import(path.join(tmp, 'nope.pth'))).rejects.toThrow(
      `${path.join(tmp, 'nope.pth')} does not exist`,
    );
    await expect(cache.import(tmp)).rejects.toThrow(`${tmp} is not a file`);
    await expect(cache.import(path.join(tmp, 'a.pth'), 'zz')).rejects.toThrow('No weights have the id "zz"');
  });

  it('verify re-hashes: a damaged file (same size) is no longer trusted, and a good one is', async () => {
    await cache.import(path.join(tmp, 'a.pth'));
    const file = path.join(dir, a.fileName);
    expect(await cache.verify('a')).toEqual({ ok: true, weights: a, path: file, sha256: a.sha256 });

    const damaged = Buffer.from(A);
    damaged.writeUInt8(damaged.readUInt8(1000) ^ 0xff, 1000);
    writeFileSync(file, damaged);
    // Its size is right, so only hashing tells.
    expect(cache.pathOf('a')).toBe(file);
    const r = await cache.verify('a');
    expect(r).toMatchObject({ ok: false, path: file, actual: sha256(damaged) });
    expect(r.ok === false && r.message).toBe(
      `${file} is damaged: its SHA-256 is ${sha256(damaged)}, expected ${a.sha256} ` +
        '(200,000 bytes, expected 200,000 bytes); download or import it again',
    );
    expect(cache.pathOf('a')).toBeNull();
    expect(cache.list()[0]!.state).toBe('missing');

    // Importing the right file again replaces it.
    expect((await cache.import(path.join(tmp, 'a.pth'))).alreadyCached).toBe(false);
    expect(readFileSync(file).equals(A)).toBe(true);
    expect(cache.pathOf('a')).toBe(file);
  });

  it('trusts a file put in the folder by hand once verify has hashed it; one of the wrong size never', async () => {
    mkdirSync(dir);
    writeFileSync(path.join(dir, a.fileName), A);
    expect(cache.pathOf('a')).toBeNull();
    expect(await cache.verify('a')).toMatchObject({ ok: true });
    expect(cache.pathOf('a')).toBe(path.join(dir, a.fileName));

    writeFileSync(path.join(dir, a.fileName), A.subarray(0, 100));
    expect(cache.pathOf('a')).toBeNull();
    expect(await cache.verify('b')).toEqual({
      ok: false,
      weights: b,
      path: null,
      actual: null,
      message: 'Test weights b is not in the cache',
    });
  });
});

describe('loadCatalog', () => {
  const write = (doc: unknown) => {
    const file = path.join(tmp, 'catalog.json');
    writeFileSync(file, typeof doc === 'string' ? doc : JSON.stringify(doc));
    return file;
  };

  it('is the built-in catalog unless the environment names a file, which replaces it', () => {
    expect(loadCatalog({})).toBe(PRETRAINED);
    expect(loadCatalog({ [CATALOG_ENV]: '' })).toBe(PRETRAINED);
    const file = write([{ ...a, sha256: a.sha256.toUpperCase() }, b]);
    expect(loadCatalog({ [CATALOG_ENV]: file })).toEqual([a, b]);
  });

  it('refuses a wrong file naming the entry and the field', () => {
    const load = (doc: unknown) => () => loadCatalog({ [CATALOG_ENV]: write(doc) });
    const file = path.join(tmp, 'catalog.json');
    expect(() => loadCatalog({ [CATALOG_ENV]: path.join(tmp, 'none.json') })).toThrow(
      `${CATALOG_ENV} names ${path.join(tmp, 'none.json')}, which cannot be read`,
    );
    expect(load('{ nope')).toThrow(`${file}: not valid JSON`);
    expect(load({ weights: [a] })).toThrow(`${file}: a weights catalog is a JSON array of entries`);
    expect(load([a, { ...b, sha256: 'abc' }])).toThrow(
      `${file}: [1].sha256: expected 64 hexadecimal digits, got "abc"`,
    );
    expect(load([{ ...a, bytes: -1 }])).toThrow(`${file}: [0].bytes: expected the file's size in bytes`);
    expect(load([{ ...a, preset: 'vgg' }])).toThrow(`${file}: [0].preset: "vgg" is not a backbone preset`);
    expect(load([{ ...a, fileName: '../x.pth' }])).toThrow(
      `${file}: [0].fileName: "../x.pth" must be a plain file name`,
    );
    expect(load([{ ...a, url: 'file:///x.pth' }])).toThrow(
      `${file}: [0].url: "file:///x.pth" is not an http(s) address`,
    );
    const { title: _, ...untitled } = a;
    expect(load([untitled])).toThrow(`${file}: [0].title: expected a non-empty string, got nothing`);
    expect(load([a, { ...b, id: 'a' }])).toThrow(`${file}: [1].id: "a" is used by entry [0] already`);
  });
});
