// Python source for an mmcv config file: assignments of literals, `dict(key=value)` calls, tuples,
// lists, and the few expressions a config uses (`data_root + 'x.json'`, `**img_norm_cfg`). Written in
// the layout of mmdetection's own configs, so a user reads and edits it as one of theirs.

/** A Python expression written as given (a name, or `data_root + '…'`). */
export class PyExpr {
  constructor(readonly code: string) {}
}

/** A float written with its decimal point (`1.0`, `0.`), where the config's meaning needs it. */
export class PyFloat {
  constructor(readonly value: number) {}
}

export class PyTuple {
  constructor(readonly items: readonly PyValue[]) {}
}

/** `dict(a=1, **spread)`: keys are Python identifiers; a `spread` name is unpacked at the end. */
export class PyDict {
  constructor(
    readonly entries: Readonly<Record<string, PyValue>>,
    readonly spread: string | null = null,
  ) {}
}

export type PyValue = string | number | boolean | null | PyExpr | PyFloat | PyTuple | PyDict | PyValue[];

export const expr = (code: string) => new PyExpr(code);
export const float = (value: number) => new PyFloat(value);
export const tuple = (...items: PyValue[]) => new PyTuple(items);
export const dict = (entries: Record<string, PyValue>, spread: string | null = null) =>
  new PyDict(entries, spread);

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** mmdetection's configs wrap at 79 columns. */
const WIDTH = 79;

/** A Python string literal: single quotes, with every character that needs it escaped. */
export function pyString(s: string): string {
  let out = "'";
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === "'") out += "\\'";
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else if (code >= 0x80 && code <= 0x9f) out += `\\x${code.toString(16)}`;
    else if ((code >= 0xd800 && code <= 0xdfff) || code === 0x2028 || code === 0x2029)
      out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}'`;
}

function pyNumber(n: number): string {
  if (!Number.isFinite(n)) throw new Error(`a config value must be finite, got ${n}`);
  return String(n);
}

function pyFloat(n: number): string {
  const s = pyNumber(n);
  return /[.e]/.test(s) ? s : `${s}.0`;
}

/** Every value on one line. */
function inline(v: PyValue): string {
  if (v === null) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return pyNumber(v);
  if (typeof v === 'string') return pyString(v);
  if (v instanceof PyExpr) return v.code;
  if (v instanceof PyFloat) return pyFloat(v.value);
  if (v instanceof PyTuple)
    return v.items.length === 1 ? `(${inline(v.items[0]!)},)` : `(${v.items.map(inline).join(', ')})`;
  if (Array.isArray(v)) return `[${v.map(inline).join(', ')}]`;
  return `dict(${dictParts(v, inline).join(', ')})`;
}

function dictParts(d: PyDict, write: (v: PyValue) => string): string[] {
  const parts = Object.entries(d.entries).map(([k, v]) => {
    if (!IDENTIFIER.test(k)) throw new Error(`a dict() key must be an identifier, got ${k}`);
    return `${k}=${write(v)}`;
  });
  if (d.spread) parts.push(`**${d.spread}`);
  return parts;
}

/** `v` at `indent`, on one line when it fits after `lead` characters, else one item per line. */
function block(v: PyValue, indent: string, lead: number): string {
  const one = inline(v);
  const container = v instanceof PyDict || v instanceof PyTuple || Array.isArray(v);
  if (!container || lead + one.length <= WIDTH) return one;
  const inner = `${indent}    `;
  const item = (prefix: string, x: PyValue) =>
    `${inner}${prefix}${block(x, inner, inner.length + prefix.length)}`;
  if (v instanceof PyDict) {
    const lines = Object.entries(v.entries).map(([k, x]) => item(`${k}=`, x));
    if (v.spread) lines.push(`${inner}**${v.spread}`);
    return `dict(\n${lines.join(',\n')})`;
  }
  const items = v instanceof PyTuple ? v.items : (v as PyValue[]);
  const [open, close] = v instanceof PyTuple ? ['(', ')'] : ['[', ']'];
  return `${open}\n${items.map((x) => item('', x)).join(',\n')},\n${indent}${close}`;
}

/** `name = value`, laid out as mmdetection's configs are. */
export function pyAssign(name: string, value: PyValue): string {
  if (!IDENTIFIER.test(name)) throw new Error(`a config name must be an identifier, got ${name}`);
  return `${name} = ${block(value, '', name.length + 3)}`;
}
