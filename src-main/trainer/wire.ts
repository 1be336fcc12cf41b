// One message with binary parts in one WebSocket frame, between the trainer and the GPU page: the
// requests carry image batches and weights (typed arrays, ArrayBuffers), which JSON cannot. The frame
// is [u32 length of the JSON][JSON][the binary parts, each aligned to 8 bytes]; in the JSON each part
// stands as { "$bin": index, "type": "Float32Array" | … | "ArrayBuffer" }. No Node or DOM APIs: both
// sides use it.

const VIEWS = {
  Float32Array,
  Float64Array,
  Int32Array,
  Uint32Array,
  Uint8Array,
  Int8Array,
  Uint16Array,
  Int16Array,
} as const;
type ViewName = keyof typeof VIEWS;

interface BinRef {
  $bin: number;
  type: ViewName | 'ArrayBuffer';
}

const isBinRef = (v: unknown): v is BinRef =>
  typeof v === 'object' && v !== null && typeof (v as BinRef).$bin === 'number' && 'type' in v;

function viewName(v: ArrayBufferView): ViewName {
  for (const [name, ctor] of Object.entries(VIEWS)) if (v instanceof ctor) return name as ViewName;
  throw new Error(`cannot send a ${v.constructor.name}`);
}

const align8 = (n: number) => (n + 7) & ~7;

export function encodeFrame(message: unknown): ArrayBuffer {
  const parts: Uint8Array[] = [];
  const json = JSON.stringify(message, (_key, value: unknown) => {
    if (value instanceof ArrayBuffer) {
      parts.push(new Uint8Array(value));
      return { $bin: parts.length - 1, type: 'ArrayBuffer' } satisfies BinRef;
    }
    if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
      parts.push(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
      return { $bin: parts.length - 1, type: viewName(value) } satisfies BinRef;
    }
    return value;
  });
  const head = new TextEncoder().encode(json);
  const sizes = parts.map((p) => p.byteLength);
  // After the JSON: the part sizes (u32 each), then the parts.
  let at = align8(4 + head.byteLength + 4 * parts.length);
  const total = parts.reduce((n, p) => align8(n + p.byteLength), at);
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, head.byteLength, true);
  out.set(head, 4);
  sizes.forEach((s, i) => dv.setUint32(4 + head.byteLength + 4 * i, s, true));
  for (const p of parts) {
    out.set(p, at);
    at = align8(at + p.byteLength);
  }
  return out.buffer;
}

export function decodeFrame<T>(frame: ArrayBuffer): T {
  const dv = new DataView(frame);
  const headLength = dv.getUint32(0, true);
  const json = new TextDecoder().decode(new Uint8Array(frame, 4, headLength));
  // The part count is known only from the references; collect them first.
  const refs: BinRef[] = [];
  JSON.parse(json, (_k, v: unknown) => {
    if (isBinRef(v)) refs.push(v);
    return v;
  });
  const count = refs.reduce((n, r) => Math.max(n, r.$bin + 1), 0);
  const sizes = Array.from({ length: count }, (_, i) => dv.getUint32(4 + headLength + 4 * i, true));
  let at = align8(4 + headLength + 4 * count);
  const parts: ArrayBuffer[] = sizes.map((size) => {
    const part = frame.slice(at, at + size);
    at = align8(at + size);
    return part;
  });
  return JSON.parse(json, (_k, v: unknown) => {
    if (!isBinRef(v)) return v;
    const part = parts[v.$bin]!;
    return v.type === 'ArrayBuffer' ? part : new VIEWS[v.type](part);
  }) as T;
}
