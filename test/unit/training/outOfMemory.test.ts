import { describe, expect, it } from 'vitest';
import type { ComputeReport } from '../../../src-main/shared/api/system';
import { errorText, isOutOfMemory, outOfMemoryReason } from '../../../src-main/training/outOfMemory';

interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: { f: () => number } };
  Memory: new (d: { initial: number; maximum: number }) => { grow(pages: number): number };
}

function catchError(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected it to throw');
}

const compute = (backend: ComputeReport['backend'], device: string): ComputeReport => ({
  backend,
  device,
  usesGpu: backend === 'tensorflow-gpu',
  threads: 1,
  skipped: [],
  probeMs: 0,
});

describe('out-of-memory in the trainer', () => {
  it.each([
    // WebAssembly past its 4 GB heap: malloc returns 0 and a kernel traps.
    'memory access out of bounds',
    'RuntimeError: memory access out of bounds',
    'WebAssembly.Memory(): could not allocate memory',
    'RangeError: WebAssembly.Memory.grow(): Maximum memory size exceeded',
    'Array buffer allocation failed',
    'RangeError: Array buffer allocation failed',
    'Aborted(OOM)',
    'Cannot enlarge memory arrays to size 4294967296 bytes',
    // V8 and the native backends.
    'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory',
    'OOM when allocating tensor with shape[8,256,128,128] and type float on /job:localhost/GPU:0',
    'ResourceExhaustedError: OOM when allocating tensor',
    'failed to allocate 2.1G: CUDA_ERROR_OUT_OF_MEMORY: out of memory',
    "terminate called after throwing an instance of 'std::bad_alloc'",
  ])('recognizes %j', (text) => expect(isOutOfMemory(text)).toBe(true));

  it.each([
    'bad model file',
    'Training diverged at step 12 (the loss is NaN). Try a lower learning rate or enable gradient clipping.',
    'ENOENT: no such file or directory, open /data/zoom/room.png',
    "Cannot read properties of undefined (reading 'shape')",
    'RangeError: Invalid array length',
  ])('does not take %j for one', (text) => expect(isOutOfMemory(text)).toBe(false));

  it('judges an error with its class name, as WebAssembly really throws it', () => {
    // A module of one page whose function loads from the first address past it: the trap a kernel
    // hits after emscripten's malloc, out of heap, returned 0.
    // prettier-ignore
    const bytes = new Uint8Array([
      0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
      0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f, // type: () -> i32
      0x03, 0x02, 0x01, 0x00, // function 0 has type 0
      0x05, 0x03, 0x01, 0x00, 0x01, // memory: 1 page
      0x07, 0x05, 0x01, 0x01, 0x66, 0x00, 0x00, // export "f"
      0x0a, 0x0b, 0x01, 0x09, 0x00, 0x41, 0x80, 0x80, 0x04, 0x28, 0x02, 0x00, 0x0b, // i32.load (65536)
    ]);
    const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
    const instance = new wasm.Instance(new wasm.Module(bytes));
    const trap = catchError(() => instance.exports.f());
    expect(errorText(trap)).toBe('RuntimeError: memory access out of bounds');
    expect(isOutOfMemory(errorText(trap))).toBe(true);
    const grow = catchError(() => new wasm.Memory({ initial: 1, maximum: 2 }).grow(5));
    expect(errorText(grow)).toBe('RangeError: WebAssembly.Memory.grow(): Maximum memory size exceeded');
    expect(isOutOfMemory(errorText(grow))).toBe(true);
    expect(errorText(new RangeError('could not grow memory'))).toBe('RangeError: could not grow memory');
    expect(isOutOfMemory(errorText(new RangeError('could not grow memory')))).toBe(true);
    expect(errorText(new Error('plain'))).toBe('plain');
    expect(errorText('a string')).toBe('a string');
  });

  it('says on which backend memory ran out and what to do', () => {
    expect(outOfMemoryReason(compute('tensorflow', 'CPU, 8 threads (TensorFlow)'), null)).toBe(
      "The trainer ran out of memory on the TensorFlow CPU backend: the computer's memory is full. " +
        'Start a new run with a smaller input size, batch size or network preset.',
    );
    expect(outOfMemoryReason(compute('cpu', 'CPU, 1 thread (JavaScript)'), null, 'x\ny')).toMatch(
      /^The trainer ran out of memory on the JavaScript CPU backend: the computer's memory is full \(x\)\./,
    );
    expect(outOfMemoryReason(null, null)).toMatch(/^The trainer ran out of memory in the trainer process\./);
    const long = outOfMemoryReason(compute('wasm', 'w'), null, 'a'.repeat(400));
    expect(long).toContain(`(${'a'.repeat(157)}...)`);
  });
});
