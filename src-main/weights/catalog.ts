// Which weights files DW Studio knows: the built-in catalog (shared/pretrained.ts), or an
// organisation's own list named by DW_STUDIO_WEIGHTS_CATALOG, which replaces it. The file is a JSON
// array of entries with the fields of `PretrainedWeights`; each is checked here, and a wrong one is
// refused with the file, the entry and the field named.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PRETRAINED, type PretrainedPreset, type PretrainedWeights } from '../shared/pretrained';

export const CATALOG_ENV = 'DW_STUDIO_WEIGHTS_CATALOG';

const PRESETS: readonly PretrainedPreset[] = ['mobilenet_v2', 'resnet18', 'resnet50'];

/** The catalog in force: the file $DW_STUDIO_WEIGHTS_CATALOG names, else the built-in one. */
export function loadCatalog(
  env: Record<string, string | undefined> = process.env,
): readonly PretrainedWeights[] {
  const file = env[CATALOG_ENV];
  if (!file) return PRETRAINED;
  const resolved = path.resolve(file);
  let text: string;
  try {
    text = readFileSync(resolved, 'utf8');
  } catch (e) {
    throw new Error(`${CATALOG_ENV} names ${resolved}, which cannot be read: ${reason(e)}`, { cause: e });
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new Error(`${resolved}: not valid JSON (${reason(e)})`, { cause: e });
  }
  return Object.freeze(parseCatalog(doc, resolved));
}

/** Checks a parsed catalog document: an array of weights entries with distinct ids and file names. */
export function parseCatalog(doc: unknown, source: string): PretrainedWeights[] {
  if (!Array.isArray(doc)) throw new Error(`${source}: a weights catalog is a JSON array of entries`);
  if (doc.length === 0) throw new Error(`${source}: the catalog has no entries`);
  const entries = doc.map((item: unknown, i) => parseEntry(item, `${source}: [${i}]`));
  for (const key of ['id', 'fileName'] as const) {
    const seen = new Map<string, number>();
    entries.forEach((e, i) => {
      const first = seen.get(e[key]);
      if (first !== undefined)
        throw new Error(`${source}: [${i}].${key}: "${e[key]}" is used by entry [${first}] already`);
      seen.set(e[key], i);
    });
  }
  return entries;
}

function parseEntry(item: unknown, where: string): PretrainedWeights {
  if (typeof item !== 'object' || item === null || Array.isArray(item))
    throw new Error(`${where}: an entry is an object`);
  const o = item as Record<string, unknown>;
  const text = (key: string): string => {
    const v = o[key];
    if (typeof v !== 'string' || v.trim() === '')
      throw new Error(`${where}.${key}: expected a non-empty string, got ${show(v)}`);
    return v;
  };
  const id = text('id');
  const preset = text('preset');
  if (!(PRESETS as readonly string[]).includes(preset))
    throw new Error(`${where}.preset: "${preset}" is not a backbone preset (${PRESETS.join(', ')})`);
  const fileName = text('fileName');
  if (fileName !== path.basename(fileName) || fileName.includes('\\') || fileName.startsWith('.'))
    throw new Error(`${where}.fileName: "${fileName}" must be a plain file name, without folders`);
  if (/\.(part|sha256|lock|tmp)$/i.test(fileName))
    throw new Error(`${where}.fileName: "${fileName}" ends like one of the cache's own files`);
  const url = text('url');
  let parsed: URL | null = null;
  try {
    parsed = new URL(url);
  } catch {
    // reported below
  }
  if (!parsed || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:'))
    throw new Error(`${where}.url: "${url}" is not an http(s) address`);
  const bytes = o.bytes;
  if (typeof bytes !== 'number' || !Number.isSafeInteger(bytes) || bytes <= 0)
    throw new Error(
      `${where}.bytes: expected the file's size in bytes (a positive integer), got ${show(bytes)}`,
    );
  const sha256 = text('sha256');
  if (!/^[0-9a-fA-F]{64}$/.test(sha256))
    throw new Error(`${where}.sha256: expected 64 hexadecimal digits, got ${show(sha256)}`);
  const top1 = o.imagenetTop1;
  if (typeof top1 !== 'number' || !Number.isFinite(top1) || top1 < 0 || top1 > 100)
    throw new Error(`${where}.imagenetTop1: expected the ImageNet top-1 accuracy in %, got ${show(top1)}`);
  return {
    id,
    preset: preset as PretrainedPreset,
    title: text('title'),
    fileName,
    url,
    bytes,
    sha256: sha256.toLowerCase(),
    licence: text('licence'),
    source: text('source'),
    imagenetTop1: top1,
  };
}

function show(v: unknown): string {
  return v === undefined ? 'nothing' : JSON.stringify(v);
}

function reason(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
