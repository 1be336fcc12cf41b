import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { unzipSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import type { StateTensor } from '../../../src-main/shared/stateDict';
import { readTorchStateDict, writeTorchStateDict } from '../../../src-main/weights/torchFile';

// The fixtures come from scripts/dev/torchFileFixtures.py (real torch.save output).
const DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/weights');
const fixture = (name: string) => new Uint8Array(readFileSync(path.join(DIR, name)));

interface Expected {
  dtype: string;
  shape: number[];
  values: number[];
}
const EXPECTED = JSON.parse(readFileSync(path.join(DIR, 'tiny.json'), 'utf8')) as Record<
  'state' | 'wrapped',
  Record<string, Expected>
>;

function expectMatches(actual: Map<string, StateTensor>, expected: Record<string, Expected>): void {
  expect([...actual.keys()]).toEqual(Object.keys(expected));
  for (const [key, want] of Object.entries(expected)) {
    const got = actual.get(key)!;
    expect(got.shape, key).toEqual(want.shape);
    expect(got.data, key).toBeInstanceOf(Float32Array);
    // float32 values are exact; float16 ones widen exactly; float64 ones round to float32.
    expect(Array.from(got.data), key).toEqual(want.values.map((v) => Math.fround(v)));
  }
}

/** A tiny PyTorch-like zip whose object pickle is `pickle`. */
function zipWithPickle(pickle: number[] | Uint8Array): Uint8Array {
  return zipSync(
    { 'archive/data.pkl': new Uint8Array(pickle), 'archive/version': new TextEncoder().encode('3\n') },
    { level: 0 },
  );
}

const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));

describe('readTorchStateDict', () => {
  it('reads the zip format (torch >= 1.6) with its views, strides and dtypes', () => {
    const state = readTorchStateDict(fixture('tiny-zip.pth'));
    expectMatches(state, EXPECTED.state);
    expect(state.get('bn.num_batches_tracked')).toEqual({ shape: [], data: new Float32Array([0]) });
  });

  it('reads the legacy format (torch < 1.6) to the same tensors', () => {
    expectMatches(readTorchStateDict(fixture('tiny-legacy.pth')), EXPECTED.state);
  });

  it('gives each tensor a buffer of its own, also for views of one storage', () => {
    const state = readTorchStateDict(fixture('tiny-zip.pth'));
    const x = state.get('shared.x')!.data;
    const y = state.get('shared.y')!.data;
    expect(x.buffer).not.toBe(y.buffer);
    y[0] = 42;
    expect(Array.from(x)).toEqual([2, 3, 4, 5]);
  });

  it("unwraps a checkpoint's state_dict", () => {
    expectMatches(readTorchStateDict(fixture('tiny-wrapped.pth')), EXPECTED.wrapped);
  });

  it('refuses bytes that are not a PyTorch file', () => {
    let seed = 7;
    const random = new Uint8Array(4096).map(() => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed >>> 24;
    });
    random[0] = 0x3c; // neither "PK" nor a pickle's PROTO
    expect(() => readTorchStateDict(random)).toThrow(
      'not a PyTorch weights file (neither a zip archive nor a legacy torch.save stream)',
    );
    random[0] = 0x80; // a PROTO, but not torch's magic number after it
    expect(() => readTorchStateDict(random)).toThrow('not a PyTorch weights file');
    const otherZip = zipSync({ 'readme.txt': new TextEncoder().encode('hello') });
    expect(() => readTorchStateDict(otherZip)).toThrow(
      /without <name>\/data\.pkl: not a PyTorch weights file/,
    );
  });

  it('refuses truncated files, in both formats', () => {
    const zip = fixture('tiny-zip.pth');
    expect(() => readTorchStateDict(zip.subarray(0, zip.length >> 1))).toThrow(
      /^truncated or damaged PyTorch zip archive/,
    );
    const legacy = fixture('tiny-legacy.pth');
    expect(() => readTorchStateDict(legacy.subarray(0, legacy.length >> 1))).toThrow(
      /^truncated PyTorch file: the object pickle ends at byte \d+/,
    );
    expect(() => readTorchStateDict(legacy.subarray(0, legacy.length - 3))).toThrow(
      /^truncated PyTorch file: storage "\d+" needs \d+ bytes at byte \d+, but the file ends at byte \d+/,
    );
  });

  it('refuses a pickle that names a global outside the allow-list, and runs nothing', () => {
    // PROTO 2; GLOBAL os.system; MARK; BINUNICODE 'echo'; TUPLE; REDUCE; STOP
    const evil = [
      0x80,
      2,
      0x63,
      ...ascii('os\nsystem\n'),
      0x28,
      0x58,
      4,
      0,
      0,
      0,
      ...ascii('echo'),
      0x74,
      0x52,
      0x2e,
    ];
    expect(() => readTorchStateDict(zipWithPickle(evil))).toThrow(
      'the object pickle (archive/data.pkl) refers to the Python global "os.system", which is not allowed',
    );
    // torch's own code-running helper is refused too.
    const bytesLoader = [0x80, 2, 0x63, ...ascii('torch.storage\n_load_from_bytes\n'), 0x2e];
    expect(() => readTorchStateDict(zipWithPickle(bytesLoader))).toThrow(
      'refers to the Python global "torch.storage._load_from_bytes", which is not allowed',
    );
  });

  it('names an unknown opcode in hex', () => {
    expect(() => readTorchStateDict(zipWithPickle([0x80, 2, 0x7d, 0xff, 0x2e]))).toThrow(
      'the object pickle (archive/data.pkl): unsupported pickle opcode 0xff at byte 3',
    );
  });

  it('names a storage missing from the archive', () => {
    const files = unzipSync(
      writeTorchStateDict(new Map([['w', { shape: [2], data: new Float32Array([1, 2]) }]])),
    );
    delete files['archive/data/0'];
    expect(() => readTorchStateDict(zipSync(files, { level: 0 }))).toThrow(
      'storage "0" is missing from the archive (no entry archive/data/0)',
    );
  });

  it('refuses a file that holds something other than a state dict', () => {
    // PROTO 2; EMPTY_DICT; BINUNICODE 'epoch'; BININT1 3; SETITEM; STOP
    const pickle = [0x80, 2, 0x7d, 0x58, 5, 0, 0, 0, ...ascii('epoch'), 0x4b, 3, 0x73, 0x2e];
    expect(() => readTorchStateDict(zipWithPickle(pickle))).toThrow(
      'the file does not hold a state dict: "epoch" is a number, not a tensor',
    );
  });
});

describe('writeTorchStateDict', () => {
  const sample = (): Map<string, StateTensor> =>
    new Map([
      [
        'backbone.conv1.weight',
        { shape: [8, 3, 3, 3], data: Float32Array.from({ length: 216 }, (_, i) => Math.sin(i) * 3) },
      ],
      [
        'backbone.bn1.running_var',
        { shape: [8], data: Float32Array.from({ length: 8 }, (_, i) => 1 + i / 3) },
      ],
      ['scalar', { shape: [], data: new Float32Array([-0.125]) }],
      ['empty', { shape: [0, 4], data: new Float32Array(0) }],
      ['head.big', { shape: [1, 2, 3, 4, 5], data: Float32Array.from({ length: 120 }, (_, i) => i - 60.5) }],
      ['special', { shape: [4], data: new Float32Array([-0, Infinity, -Infinity, 3.4e38]) }],
    ]);

  it('writes what it reads back, exactly and in order', () => {
    const state = sample();
    const back = readTorchStateDict(writeTorchStateDict(state));
    expect([...back.keys()]).toEqual([...state.keys()]);
    for (const [key, t] of state) {
      expect(back.get(key)!.shape, key).toEqual(t.shape);
      expect(back.get(key)!.data, key).toEqual(t.data);
    }
    expect(Object.is(back.get('special')!.data[0], -0)).toBe(true);
  });

  it('round-trips the fixture read from a torch.save file', () => {
    const state = readTorchStateDict(fixture('tiny-zip.pth'));
    expect(readTorchStateDict(writeTorchStateDict(state))).toEqual(state);
  });

  it('writes the zip layout of torch.save, with 64-byte aligned data', () => {
    const bytes = writeTorchStateDict(sample());
    const files = unzipSync(bytes);
    expect(Object.keys(files)).toEqual([
      'archive/data.pkl',
      'archive/byteorder',
      ...[0, 1, 2, 3, 4, 5].map((i) => `archive/data/${i}`),
      'archive/version',
    ]);
    expect(new TextDecoder().decode(files['archive/version'])).toBe('3\n');
    expect(new TextDecoder().decode(files['archive/byteorder'])).toBe('little');
    expect(files['archive/data.pkl']!.subarray(0, 2)).toEqual(new Uint8Array([0x80, 2]));
    // Every local header's data starts on a 64-byte boundary.
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let offset = 0;
    for (let i = 0; i < Object.keys(files).length; i++) {
      expect(view.getUint32(offset, true)).toBe(0x04034b50);
      const dataStart = offset + 30 + view.getUint16(offset + 26, true) + view.getUint16(offset + 28, true);
      expect(dataStart % 64).toBe(0);
      offset = dataStart + view.getUint32(offset + 18, true);
    }
  });

  it('is deterministic', () => {
    expect(writeTorchStateDict(sample())).toEqual(writeTorchStateDict(sample()));
  });

  it('refuses a tensor whose values do not fill its shape', () => {
    expect(() => writeTorchStateDict(new Map([['w', { shape: [2, 2], data: new Float32Array(3) }]]))).toThrow(
      'tensor "w": shape [2, 2] does not match its 3 values',
    );
  });

  it('writes and reads ~20 MB quickly', () => {
    const state = new Map<string, StateTensor>();
    for (let i = 0; i < 50; i++) {
      const n = 100_000 + i; // odd sizes: storages land on varied offsets
      const data = new Float32Array(n);
      for (let j = 0; j < n; j += 997) data[j] = i + j;
      state.set(`layer${i}.weight`, { shape: [n], data });
    }
    const started = performance.now();
    const bytes = writeTorchStateDict(state);
    const back = readTorchStateDict(bytes);
    const seconds = (performance.now() - started) / 1000;
    expect(bytes.length).toBeGreaterThan(20e6);
    expect(back.size).toBe(50);
    expect(back.get('layer49.weight')!.data).toEqual(state.get('layer49.weight')!.data);
    expect(seconds).toBeLessThan(3);
  });
});
