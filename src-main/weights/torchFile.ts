// PyTorch's weight files (`torch.save(model.state_dict(), f)`), read and written without Python.
//
// Reading takes both layouts torch.save has used: the zip archive (PyTorch >= 1.6: `<name>/data.pkl`
// plus one raw little-endian entry per storage, `<name>/data/<key>`) and the older stream of pickles
// (magic number, protocol version, system info, the object, the storage keys, then each storage's
// element count and bytes). The object is a pickle, which Python runs as a program; here a small
// pickle machine runs only the opcodes torch's pickler writes for state dicts and calls nothing: the
// few globals it accepts (OrderedDict, torch's tensor rebuild functions and storage types) are
// interpreted as data, and any other global is refused before anything else happens.
//
// Writing produces the zip layout of PyTorch >= 1.6 with float32 storages, entries stored
// uncompressed and their data 64-byte aligned as torch aligns them.

import { unzipSync, zipSync } from 'fflate';
import type { StateDict, StateTensor } from '../shared/stateDict';

/** The message for bytes that are neither layout. */
export const NOT_A_TORCH_FILE =
  'not a PyTorch weights file (neither a zip archive nor a legacy torch.save stream)';

// ---------------------------------------------------------------------------------------------------
// Values of the pickle machine

type DType =
  'float32' | 'float16' | 'bfloat16' | 'float64' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

const STORAGE_TYPES: ReadonlyMap<string, { dtype: DType; size: number }> = new Map([
  ['FloatStorage', { dtype: 'float32', size: 4 }],
  ['HalfStorage', { dtype: 'float16', size: 2 }],
  ['BFloat16Storage', { dtype: 'bfloat16', size: 2 }],
  ['DoubleStorage', { dtype: 'float64', size: 8 }],
  ['LongStorage', { dtype: 'int64', size: 8 }],
  ['IntStorage', { dtype: 'int32', size: 4 }],
  ['ShortStorage', { dtype: 'int16', size: 2 }],
  ['CharStorage', { dtype: 'int8', size: 1 }],
  ['ByteStorage', { dtype: 'uint8', size: 1 }],
  ['BoolStorage', { dtype: 'bool', size: 1 }],
]);

const ORDERED_DICT = 'collections.OrderedDict';
const REBUILD_TENSOR = 'torch._utils._rebuild_tensor_v2';
const REBUILD_PARAMETER = 'torch._utils._rebuild_parameter';
const ALLOWED_GLOBALS: ReadonlySet<string> = new Set([
  ORDERED_DICT,
  REBUILD_TENSOR,
  REBUILD_PARAMETER,
  ...[...STORAGE_TYPES.keys()].map((name) => `torch.${name}`),
]);

class PyGlobal {
  constructor(readonly qualified: string) {}
}

class PyTuple {
  constructor(readonly items: PyValue[]) {}
}

type PyKey = string | number | bigint | boolean | null;

class PyDict {
  readonly map = new Map<PyKey, PyValue>();
}

/** A storage's bytes: known at once in a zip archive, after the object pickle in a legacy stream. */
interface StorageRecord {
  key: string;
  dtype: DType;
  size: number;
  numel: number;
  bytes: Uint8Array | null;
}

/** A storage as the object pickle names it: a whole record, or (legacy views) a window of one. */
class StorageRef {
  constructor(
    readonly record: StorageRecord,
    readonly offset: number,
    readonly numel: number,
  ) {}
}

class TensorRef {
  constructor(
    readonly storage: StorageRef,
    readonly offset: number,
    readonly shape: number[],
    readonly stride: number[],
  ) {}
}

type PyValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PyValue[]
  | PyTuple
  | PyDict
  | PyGlobal
  | StorageRef
  | TensorRef;

function describe(v: PyValue): string {
  if (v === null) return 'None';
  if (Array.isArray(v)) return 'a list';
  if (v instanceof Uint8Array) return 'bytes';
  if (v instanceof PyTuple) return 'a tuple';
  if (v instanceof PyDict) return 'a dict';
  if (v instanceof PyGlobal) return v.qualified;
  if (v instanceof StorageRef) return 'a storage';
  if (v instanceof TensorRef) return 'a tensor';
  return `a ${typeof v === 'bigint' ? 'number' : typeof v}`;
}

// ---------------------------------------------------------------------------------------------------
// The pickle machine

class Truncated extends Error {}

/** Reads one pickle of `bytes` from `start`; returns its value and the position after its STOP. */
function runPickle(
  bytes: Uint8Array,
  start: number,
  what: string,
  persistentLoad: (pid: PyValue) => PyValue,
): { value: PyValue; end: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const latin1 = new TextDecoder('latin1');
  const utf8 = new TextDecoder('utf-8');
  let pos = start;
  let stack: PyValue[] = [];
  const marks: PyValue[][] = [];
  const memo = new Map<number, PyValue>();

  const need = (n: number): number => {
    if (pos + n > bytes.length) {
      throw new Truncated(`truncated PyTorch file: ${what} ends at byte ${bytes.length}, inside its pickle`);
    }
    const at = pos;
    pos += n;
    return at;
  };
  const u8 = () => bytes[need(1)]!;
  const u16 = () => view.getUint16(need(2), true);
  const u32 = () => view.getUint32(need(4), true);
  const u64 = () => {
    const lo = u32();
    const hi = u32();
    if (hi >= 1 << 21) throw new Error(`${what}: a length of more than 2^53 bytes`);
    return hi * 2 ** 32 + lo;
  };
  const take = (n: number) => bytes.subarray(need(n), pos);
  const line = () => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) need(bytes.length - pos + 1);
    const text = latin1.decode(bytes.subarray(pos, end));
    pos = end + 1;
    return text;
  };
  const pop = (): PyValue => {
    if (stack.length === 0)
      throw new Error(`${what}: malformed pickle (pop from an empty stack at byte ${pos})`);
    return stack.pop()!;
  };
  const top = (): PyValue => {
    if (stack.length === 0) throw new Error(`${what}: malformed pickle (empty stack at byte ${pos})`);
    return stack[stack.length - 1]!;
  };
  const popMark = (): PyValue[] => {
    const items = stack;
    const outer = marks.pop();
    if (!outer) throw new Error(`${what}: malformed pickle (no MARK before byte ${pos})`);
    stack = outer;
    return items;
  };
  const memoGet = (i: number): PyValue => {
    if (!memo.has(i)) throw new Error(`${what}: malformed pickle (memo has no entry ${i})`);
    return memo.get(i)!;
  };
  const setItems = (dict: PyValue, items: PyValue[]) => {
    if (!(dict instanceof PyDict))
      throw new Error(`${what}: malformed pickle (SETITEM on ${describe(dict)})`);
    if (items.length % 2) throw new Error(`${what}: malformed pickle (odd SETITEMS)`);
    for (let i = 0; i < items.length; i += 2) dict.map.set(dictKey(items[i]!, what), items[i + 1]!);
  };
  const append = (list: PyValue, items: PyValue[]) => {
    if (!Array.isArray(list)) throw new Error(`${what}: malformed pickle (APPEND on ${describe(list)})`);
    for (const item of items) list.push(item);
  };
  const global = (module: string, name: string): PyGlobal => {
    const qualified = `${module}.${name}`;
    if (!ALLOWED_GLOBALS.has(qualified)) {
      throw new Error(
        `${what} refers to the Python global "${qualified}", which is not allowed: only tensors, ` +
          'storages and (ordered) dicts are read from PyTorch files, and nothing in them is run',
      );
    }
    return new PyGlobal(qualified);
  };
  const signedLE = (raw: Uint8Array): number | bigint => {
    let n = 0n;
    for (let i = raw.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(raw[i]!);
    if (raw.length > 0 && raw[raw.length - 1]! & 0x80) n -= 1n << BigInt(raw.length * 8);
    return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
  };

  for (;;) {
    const at = pos;
    const op = u8();
    switch (op) {
      case 0x80: // PROTO
        if (u8() > 5) throw new Error(`${what}: pickle protocol ${bytes[at + 1]} is newer than 5`);
        break;
      case 0x95: // FRAME
        u64();
        break;
      case 0x2e: // STOP
        return { value: pop(), end: pos };
      case 0x28: // MARK
        marks.push(stack);
        stack = [];
        break;
      case 0x30: // POP
        pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        stack.push(u16());
        break;
      case 0x4a: // BININT
        stack.push(view.getInt32(need(4), true));
        break;
      case 0x8a: // LONG1
        stack.push(signedLE(take(u8())));
        break;
      case 0x8b: // LONG4
        stack.push(signedLE(take(u32())));
        break;
      case 0x47: // BINFLOAT (big-endian)
        stack.push(view.getFloat64(need(8), false));
        break;
      case 0x58: // BINUNICODE
        stack.push(utf8.decode(take(u32())));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(utf8.decode(take(u8())));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(utf8.decode(take(u64())));
        break;
      case 0x54: // BINSTRING (Python 2 str)
        stack.push(latin1.decode(take(u32())));
        break;
      case 0x55: // SHORT_BINSTRING
        stack.push(latin1.decode(take(u8())));
        break;
      case 0x42: // BINBYTES
        stack.push(take(u32()).slice());
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(take(u8()).slice());
        break;
      case 0x8e: // BINBYTES8
        stack.push(take(u64()).slice());
        break;
      case 0x7d: // EMPTY_DICT
        stack.push(new PyDict());
        break;
      case 0x64: {
        // DICT
        const dict = new PyDict();
        setItems(dict, popMark());
        stack.push(dict);
        break;
      }
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x6c: {
        // LIST (popMark first: it replaces `stack`)
        const items = popMark();
        stack.push(items);
        break;
      }
      case 0x29: // EMPTY_TUPLE
        stack.push(new PyTuple([]));
        break;
      case 0x74: {
        // TUPLE
        const items = popMark();
        stack.push(new PyTuple(items));
        break;
      }
      case 0x85: // TUPLE1
        stack.push(new PyTuple([pop()]));
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        stack.push(new PyTuple([pop(), b]));
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        stack.push(new PyTuple([pop(), b, c]));
        break;
      }
      case 0x73: {
        // SETITEM
        const value = pop();
        const key = pop();
        setItems(top(), [key, value]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case 0x61: {
        // APPEND
        const item = pop();
        append(top(), [item]);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        append(top(), items);
        break;
      }
      case 0x71: // BINPUT
        memo.set(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x68: // BINGET
        stack.push(memoGet(u8()));
        break;
      case 0x6a: // LONG_BINGET
        stack.push(memoGet(u32()));
        break;
      case 0x63: {
        // GLOBAL
        const module = line();
        stack.push(global(module, line()));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') {
          throw new Error(`${what}: malformed pickle (STACK_GLOBAL without names)`);
        }
        stack.push(global(module, name));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        stack.push(call(pop(), args, what));
        break;
      }
      case 0x81: {
        // NEWOBJ
        const args = pop();
        const cls = pop();
        if (!(cls instanceof PyGlobal) || cls.qualified !== ORDERED_DICT) {
          throw new Error(`${what}: cannot create an object of ${describe(cls)}`);
        }
        stack.push(call(cls, args, what));
        break;
      }
      case 0x62: {
        // BUILD: a state dict's `_metadata` attribute (module versions), not needed here.
        const state = pop();
        const target = top();
        if (!(target instanceof PyDict)) {
          throw new Error(`${what}: cannot set the state of ${describe(target)} (${describe(state)})`);
        }
        break;
      }
      case 0x51: // BINPERSID
        stack.push(persistentLoad(pop()));
        break;
      default:
        throw new Error(
          `${what}: unsupported pickle opcode 0x${op.toString(16).padStart(2, '0')} at byte ${at}`,
        );
    }
  }
}

function dictKey(key: PyValue, what: string): PyKey {
  if (key === null || ['string', 'number', 'bigint', 'boolean'].includes(typeof key)) return key as PyKey;
  throw new Error(`${what}: dict key of an unsupported type (${describe(key)})`);
}

function int(v: PyValue | undefined, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
    throw new Error(`${what}: expected a non-negative integer, got ${describe(v ?? null)}`);
  }
  return v;
}

function ints(v: PyValue | undefined, what: string): number[] {
  if (!(v instanceof PyTuple)) throw new Error(`${what}: expected a tuple, got ${describe(v ?? null)}`);
  return v.items.map((x) => int(x, what));
}

/** REDUCE / NEWOBJ: what the allowed globals build, without running anything. */
function call(fn: PyValue, args: PyValue, what: string): PyValue {
  if (!(fn instanceof PyGlobal)) throw new Error(`${what}: cannot call ${describe(fn)}`);
  if (!(args instanceof PyTuple))
    throw new Error(`${what}: call of ${fn.qualified} without an argument tuple`);
  const a = args.items;
  switch (fn.qualified) {
    case ORDERED_DICT: {
      const dict = new PyDict();
      const items = a[0];
      if (a.length > 1 || (items !== undefined && !Array.isArray(items))) {
        throw new Error(`${what}: unsupported OrderedDict arguments`);
      }
      for (const pair of items ?? []) {
        if (!(pair instanceof PyTuple) || pair.items.length !== 2) {
          throw new Error(`${what}: unsupported OrderedDict item (${describe(pair)})`);
        }
        dict.map.set(dictKey(pair.items[0]!, what), pair.items[1]!);
      }
      return dict;
    }
    case REBUILD_TENSOR: {
      // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
      const storage = a[0];
      if (!(storage instanceof StorageRef) || a.length < 4) {
        throw new Error(`${what}: ${REBUILD_TENSOR} called without a storage`);
      }
      const shape = ints(a[2], `${what}: tensor size`);
      const stride = ints(a[3], `${what}: tensor stride`);
      if (shape.length !== stride.length) throw new Error(`${what}: tensor size and stride differ in length`);
      return new TensorRef(storage, int(a[1], `${what}: storage offset`), shape, stride);
    }
    case REBUILD_PARAMETER: {
      // (data, requires_grad, backward_hooks)
      if (!(a[0] instanceof TensorRef))
        throw new Error(`${what}: ${REBUILD_PARAMETER} called without a tensor`);
      return a[0];
    }
    default:
      throw new Error(`${what}: cannot call ${fn.qualified}`);
  }
}

function storageType(v: PyValue | undefined, what: string): { dtype: DType; size: number } {
  const type = v instanceof PyGlobal ? STORAGE_TYPES.get(v.qualified.slice('torch.'.length)) : undefined;
  if (!type) throw new Error(`${what}: unsupported storage type ${describe(v ?? null)}`);
  return type;
}

// ---------------------------------------------------------------------------------------------------
// Reading

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Reads the tensors of a `.pth` file written by `torch.save(model.state_dict(), f)`, in file order, as
 * float32. A checkpoint that wraps its state dict one level down (`{'state_dict': ...}` or
 * `{'model': ...}`) is unwrapped. Throws on anything else, naming what is wrong.
 */
export function readTorchStateDict(bytes: Uint8Array): Map<string, StateTensor> {
  if (bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04) {
    return readZip(bytes);
  }
  if (bytes.length >= 2 && bytes[0] === 0x80) return readLegacy(bytes);
  throw new Error(NOT_A_TORCH_FILE);
}

/**
 * The storage a persistent id ('storage', type, key, location, numel[, view]) names: a new record
 * (its bytes not read yet) the first time its key is met, the same one after; and the id's view.
 */
function storageRecord(
  pid: PyValue,
  records: Map<string, StorageRecord>,
  what: string,
): { record: StorageRecord; view: PyValue | undefined } {
  const t = pid instanceof PyTuple ? pid.items : [];
  if (t[0] === 'module') {
    throw new Error('this file holds a whole pickled model (with its source code), not a state dict');
  }
  if (t[0] !== 'storage' || t.length < 5 || typeof t[2] !== 'string') {
    throw new Error(`${what}: unsupported persistent id (${describe(pid)})`);
  }
  const key = t[2];
  let record = records.get(key);
  if (!record) {
    const { dtype, size } = storageType(t[1], what);
    record = { key, dtype, size, numel: int(t[4], `${what}: storage size`), bytes: null };
    records.set(key, record);
  }
  return { record, view: t[5] };
}

function readZip(bytes: Uint8Array): Map<string, StateTensor> {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes);
  } catch (e) {
    throw new Error(`truncated or damaged PyTorch zip archive (${(e as Error).message})`, { cause: e });
  }
  const pkl = Object.keys(files).find((name) => /^[^/]+\/data\.pkl$/.test(name));
  if (pkl === undefined) throw new Error(`a zip archive without <name>/data.pkl: ${NOT_A_TORCH_FILE}`);
  const prefix = pkl.slice(0, -'data.pkl'.length);
  const byteorder = files[`${prefix}byteorder`];
  const fileLittle = byteorder === undefined || new TextDecoder().decode(byteorder).trim() !== 'big';

  const records = new Map<string, StorageRecord>();
  const what = `the object pickle (${pkl})`;
  const { value } = runPickle(files[pkl]!, 0, what, (pid) => {
    const { record } = storageRecord(pid, records, what);
    if (record.bytes === null) {
      const { key, numel, size } = record;
      const entry = `${prefix}data/${key}`;
      const data = files[entry];
      if (data === undefined)
        throw new Error(`storage "${key}" is missing from the archive (no entry ${entry})`);
      if (data.length < numel * size) {
        throw new Error(
          `truncated PyTorch file: storage entry ${entry} holds ${data.length} bytes, not ${numel * size}`,
        );
      }
      const raw = data.subarray(0, numel * size);
      record.bytes = fileLittle === HOST_LITTLE_ENDIAN ? raw : swapBytes(raw, size);
    }
    return new StorageRef(record, 0, record.numel);
  });
  return toStateDict(value, 'the file');
}

const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;
const LEGACY_PROTOCOL = 1001;

function readLegacy(bytes: Uint8Array): Map<string, StateTensor> {
  const refuse = () => {
    throw new Error(`persistent ids before the object pickle: ${NOT_A_TORCH_FILE}`);
  };
  let pos: number;
  try {
    const magic = runPickle(bytes, 0, 'the magic number', refuse);
    if (magic.value !== LEGACY_MAGIC) throw new Error('wrong magic number');
    pos = magic.end;
  } catch {
    throw new Error(NOT_A_TORCH_FILE);
  }
  const protocol = runPickle(bytes, pos, 'the protocol version', refuse);
  if (protocol.value !== LEGACY_PROTOCOL) {
    throw new Error(`unsupported torch.save protocol version ${String(protocol.value)} (expected 1001)`);
  }
  const sysInfo = runPickle(bytes, protocol.end, 'the system info', refuse);
  const little = sysInfo.value instanceof PyDict ? sysInfo.value.map.get('little_endian') : undefined;
  const fileLittle = little !== false;

  const records = new Map<string, StorageRecord>();
  const what = 'the object pickle';
  const object = runPickle(bytes, sysInfo.end, what, (pid) => {
    const { record, view } = storageRecord(pid, records, what);
    // A view of a storage (torch < 1.0): (view_key, offset, size) into the root storage.
    if (view instanceof PyTuple) {
      const offset = int(view.items[1], `${what}: storage view offset`);
      const numel = int(view.items[2], `${what}: storage view size`);
      if (offset + numel > record.numel)
        throw new Error(`${what}: a view past the end of storage "${record.key}"`);
      return new StorageRef(record, offset, numel);
    }
    return new StorageRef(record, 0, record.numel);
  });
  const keys = runPickle(bytes, object.end, 'the storage key list', refuse);
  if (!Array.isArray(keys.value)) throw new Error('malformed legacy torch.save stream: no storage key list');

  pos = keys.end;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const key of keys.value) {
    const record = records.get(String(key));
    if (!record) throw new Error(`malformed legacy torch.save stream: unknown storage "${String(key)}"`);
    if (pos + 8 > bytes.length) {
      throw new Error(
        `truncated PyTorch file: it ends before storage "${record.key}" (byte ${bytes.length})`,
      );
    }
    const numel = dv.getUint32(pos, true) + dv.getUint32(pos + 4, true) * 2 ** 32;
    pos += 8;
    const length = numel * record.size;
    if (pos + length > bytes.length) {
      throw new Error(
        `truncated PyTorch file: storage "${record.key}" needs ${length} bytes at byte ${pos}, ` +
          `but the file ends at byte ${bytes.length}`,
      );
    }
    if (numel < record.numel) {
      throw new Error(`storage "${record.key}" holds ${numel} elements, not ${record.numel}`);
    }
    const raw = bytes.subarray(pos, pos + record.numel * record.size);
    record.bytes = fileLittle === HOST_LITTLE_ENDIAN ? raw : swapBytes(raw, record.size);
    pos += length;
  }
  for (const record of records.values()) {
    if (!record.bytes) throw new Error(`storage "${record.key}" is missing from the file`);
  }
  return toStateDict(object.value, 'the file');
}

function isTensorDict(v: PyValue | undefined): v is PyDict {
  if (!(v instanceof PyDict)) return false;
  for (const value of v.map.values()) if (!(value instanceof TensorRef)) return false;
  return true;
}

function toStateDict(top: PyValue, what: string): Map<string, StateTensor> {
  let dict: PyDict | undefined;
  if (isTensorDict(top)) dict = top;
  else if (top instanceof PyDict) {
    for (const key of ['state_dict', 'model']) {
      const inner = top.map.get(key);
      if (isTensorDict(inner)) {
        dict = inner;
        break;
      }
    }
    if (!dict) {
      const [key, value] = [...top.map].find(([, v]) => !(v instanceof TensorRef))!;
      throw new Error(
        `${what} does not hold a state dict: "${String(key)}" is ${describe(value)}, not a tensor ` +
          '(and there is no "state_dict" or "model" entry holding tensors)',
      );
    }
  } else {
    throw new Error(`${what} holds ${describe(top)}, not a state dict`);
  }
  const out = new Map<string, StateTensor>();
  for (const [key, value] of dict.map) {
    if (typeof key !== 'string')
      throw new Error(`${what}: a state dict key that is not a string (${String(key)})`);
    out.set(key, materialize(value as TensorRef, key));
  }
  return out;
}

/** A tensor's values, row-major float32, in a buffer of its own. */
function materialize(t: TensorRef, key: string): StateTensor {
  const { shape, stride } = t;
  let numel = 1;
  let extent = 1; // one past the largest storage index the tensor reads, relative to its first
  for (let i = 0; i < shape.length; i++) {
    numel *= shape[i]!;
    extent += (shape[i]! - 1) * stride[i]!;
  }
  if (numel === 0) return { shape: [...shape], data: new Float32Array(0) };
  const ref = t.storage;
  if (t.offset + extent > ref.numel) {
    throw new Error(`tensor "${key}" reaches past the end of its storage "${ref.record.key}"`);
  }
  const { data: src, fresh } = asFloat32(ref.record, ref.offset + t.offset, extent);
  let contiguous = true;
  for (let i = shape.length - 1, expected = 1; i >= 0; i--) {
    if (shape[i] !== 1 && stride[i] !== expected) contiguous = false;
    expected *= shape[i]!;
  }
  if (contiguous) return { shape: [...shape], data: fresh && extent === numel ? src : src.slice(0, numel) };

  // Strided (a transpose, an expand): walk the last dimension, step the others like an odometer.
  const out = new Float32Array(numel);
  const nd = shape.length;
  const index = new Array<number>(nd).fill(0);
  const lastN = shape[nd - 1]!;
  const lastS = stride[nd - 1]!;
  let o = 0;
  let base = 0;
  for (;;) {
    for (let j = 0; j < lastN; j++) out[o++] = src[base + j * lastS]!;
    let d = nd - 2;
    for (; d >= 0; d--) {
      base += stride[d]!;
      if (++index[d]! < shape[d]!) break;
      base -= stride[d]! * shape[d]!;
      index[d] = 0;
    }
    if (d < 0) break;
  }
  return { shape: [...shape], data: out };
}

let halfTable: Float32Array | undefined;

function halfToFloat(): Float32Array {
  if (!halfTable) {
    halfTable = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) {
      const sign = h & 0x8000 ? -1 : 1;
      const exponent = (h >> 10) & 0x1f;
      const mantissa = h & 0x3ff;
      halfTable[h] =
        exponent === 0
          ? sign * mantissa * 2 ** -24
          : exponent === 31
            ? mantissa
              ? NaN
              : sign * Infinity
            : sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
    }
  }
  return halfTable;
}

/**
 * `count` elements of a storage from element `start`, as float32: a view of the file's bytes where
 * they are float32 and aligned (`fresh` false), else a new array.
 */
function asFloat32(
  record: StorageRecord,
  start: number,
  count: number,
): { data: Float32Array; fresh: boolean } {
  const size = record.size;
  let raw = record.bytes!.subarray(start * size, (start + count) * size);
  let copied = false;
  if (raw.byteOffset % size !== 0) {
    raw = raw.slice();
    copied = true;
  }
  const { buffer, byteOffset } = raw;
  switch (record.dtype) {
    case 'float32':
      return { data: new Float32Array(buffer, byteOffset, count), fresh: copied };
    case 'float64':
      return { data: new Float32Array(new Float64Array(buffer, byteOffset, count)), fresh: true };
    case 'int32':
      return { data: new Float32Array(new Int32Array(buffer, byteOffset, count)), fresh: true };
    case 'int16':
      return { data: new Float32Array(new Int16Array(buffer, byteOffset, count)), fresh: true };
    case 'int8':
      return { data: new Float32Array(new Int8Array(buffer, byteOffset, count)), fresh: true };
    case 'uint8':
      return { data: new Float32Array(raw), fresh: true };
    case 'bool': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = raw[i] ? 1 : 0;
      return { data: out, fresh: true };
    }
    case 'int64': {
      const words = new Int32Array(buffer, byteOffset, count * 2);
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = words[2 * i + 1]! * 2 ** 32 + (words[2 * i]! >>> 0);
      return { data: out, fresh: true };
    }
    case 'float16': {
      const halves = new Uint16Array(buffer, byteOffset, count);
      const table = halfToFloat();
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = table[halves[i]!]!;
      return { data: out, fresh: true };
    }
    case 'bfloat16': {
      const halves = new Uint16Array(buffer, byteOffset, count);
      const out = new Float32Array(count);
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < count; i++) bits[i] = halves[i]! << 16;
      return { data: out, fresh: true };
    }
  }
}

function swapBytes(raw: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i += size) {
    for (let j = 0; j < size; j++) out[i + j] = raw[i + size - 1 - j]!;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Writing

class PickleWriter {
  private buf = new Uint8Array(1024);
  private length = 0;
  private readonly memo = new Map<string, number>();
  private readonly encoder = new TextEncoder();

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const grown = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
    grown.set(this.buf.subarray(0, this.length));
    this.buf = grown;
  }

  byte(...values: number[]): void {
    this.reserve(values.length);
    for (const v of values) this.buf[this.length++] = v;
  }

  raw(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.buf.set(bytes, this.length);
    this.length += bytes.length;
  }

  u32(v: number): void {
    this.byte(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
  }

  /** An int as Python's pickler writes it (BININT1 / BININT2 / BININT / LONG1). */
  int(v: number): void {
    if (v >= 0 && v < 256) this.byte(0x4b, v);
    else if (v >= 0 && v < 65536) this.byte(0x4d, v & 0xff, v >> 8);
    else if (v >= -(2 ** 31) && v < 2 ** 31) {
      this.byte(0x4a);
      this.u32(v >>> 0);
    } else {
      const bytes: number[] = [];
      let n = BigInt(v);
      for (;;) {
        bytes.push(Number(n & 0xffn));
        n >>= 8n;
        const sign = bytes[bytes.length - 1]! & 0x80;
        if ((n === 0n && !sign) || (n === -1n && sign)) break;
      }
      this.byte(0x8a, bytes.length, ...bytes);
    }
  }

  /** A str, memoized (BINPUT on its first appearance, BINGET after) when `memoize`. */
  string(s: string, memoize = false): void {
    if (memoize && this.get(`s:${s}`)) return;
    const utf8 = this.encoder.encode(s);
    this.byte(0x58);
    this.u32(utf8.length);
    this.raw(utf8);
    if (memoize) this.put(`s:${s}`);
  }

  global(module: string, name: string): void {
    if (this.get(`g:${module}.${name}`)) return;
    this.byte(0x63);
    this.raw(this.encoder.encode(`${module}\n${name}\n`));
    this.put(`g:${module}.${name}`);
  }

  tuple(values: number[]): void {
    if (values.length === 0) return this.byte(0x29);
    if (values.length > 3) this.byte(0x28);
    for (const v of values) this.int(v);
    this.byte(values.length > 3 ? 0x74 : [0x85, 0x86, 0x87][values.length - 1]!);
  }

  private get(key: string): boolean {
    const index = this.memo.get(key);
    if (index === undefined) return false;
    if (index < 256) this.byte(0x68, index);
    else {
      this.byte(0x6a);
      this.u32(index);
    }
    return true;
  }

  private put(key: string): void {
    const index = this.memo.size;
    this.memo.set(key, index);
    if (index < 256) this.byte(0x71, index);
    else {
      this.byte(0x72);
      this.u32(index);
    }
  }

  bytes(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

const ARCHIVE = 'archive/';
/** torch.save's zip entries start their data on 64-byte boundaries. */
const ALIGNMENT = 64;
/** The zip extra-field id torch pads with ("FB"). */
const PADDING_FIELD = 0x4246;

/**
 * Writes a state dict as `torch.save(state_dict, f)` does in PyTorch >= 1.6 (the zip layout), with
 * float32 storages, one per tensor; `torch.load` reads it back as an OrderedDict of tensors.
 */
export function writeTorchStateDict(state: StateDict): Uint8Array {
  const p = new PickleWriter();
  const storages: Uint8Array[] = [];
  p.byte(0x80, 2); // PROTO 2
  p.global('collections', 'OrderedDict');
  p.byte(0x29, 0x52); // EMPTY_TUPLE REDUCE
  let batch = 0;
  for (const [key, tensor] of state) {
    const numel = tensor.shape.reduce((a, b) => a * b, 1);
    if (!tensor.shape.every((d) => Number.isInteger(d) && d >= 0) || tensor.data.length !== numel) {
      throw new Error(
        `tensor "${key}": shape [${tensor.shape.join(', ')}] does not match its ${tensor.data.length} values`,
      );
    }
    const stride = tensor.shape.map((_, i) => tensor.shape.slice(i + 1).reduce((a, b) => a * b, 1));
    if (batch === 0) p.byte(0x28); // MARK (SETITEMS in batches of 1000, as Python does)
    p.string(key);
    p.global('torch._utils', '_rebuild_tensor_v2');
    p.byte(0x28, 0x28); // MARK MARK: the argument tuple, the persistent id
    p.string('storage', true);
    p.global('torch', 'FloatStorage');
    p.string(String(storages.length));
    p.string('cpu', true);
    p.int(numel);
    p.byte(0x74, 0x51); // TUPLE BINPERSID
    p.int(0); // storage offset
    p.tuple(tensor.shape);
    p.tuple(stride);
    p.byte(0x89); // NEWFALSE: requires_grad
    p.global('collections', 'OrderedDict');
    p.byte(0x29, 0x52, 0x74, 0x52); // EMPTY_TUPLE REDUCE (backward hooks) TUPLE REDUCE
    const { data } = tensor;
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    storages.push(HOST_LITTLE_ENDIAN ? bytes : swapBytes(bytes, 4));
    if (++batch === 1000) {
      p.byte(0x75); // SETITEMS
      batch = 0;
    }
  }
  if (batch > 0) p.byte(0x75);
  p.byte(0x2e); // STOP

  const entries: [string, Uint8Array][] = [
    [`${ARCHIVE}data.pkl`, p.bytes()],
    [`${ARCHIVE}byteorder`, new TextEncoder().encode('little')],
    ...storages.map((s, i): [string, Uint8Array] => [`${ARCHIVE}data/${i}`, s]),
    [`${ARCHIVE}version`, new TextEncoder().encode('3\n')],
  ];
  // fflate writes entries in this order, each as a 30-byte local header, the name, the extra field
  // and the data: pad the extra field so that the data starts on a 64-byte boundary.
  const files: Record<string, [Uint8Array, { extra?: Record<number, Uint8Array> }]> = {};
  let offset = 0;
  for (const [name, data] of entries) {
    const headerEnd = offset + 30 + name.length;
    let pad = (ALIGNMENT - (headerEnd % ALIGNMENT)) % ALIGNMENT;
    if (pad > 0 && pad < 4) pad += ALIGNMENT;
    files[name] = [data, pad ? { extra: { [PADDING_FIELD]: new Uint8Array(pad - 4).fill(0x5a) } } : {}];
    offset = headerEnd + pad + data.length;
  }
  return zipSync(files, { level: 0, mtime: new Date(1980, 0, 1) });
}
