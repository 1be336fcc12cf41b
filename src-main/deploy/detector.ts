// The module an exported model ships with (detector.mjs): it loads model.json, its weight shards and
// detector.json, and returns the boxes of an image, in Node and in browsers. It is the app's own
// forward pass and post-processing, and its own network-input rule, bundled with TensorFlow.js core
// left to its user: given the pixels the app decodes, it finds the boxes the app finds.
import { levelStrides, type DetectorConfig } from '../detector/config';
import { networkForward, networkSpecs } from '../detector/network/network';
import type { DetectorParams } from '../detector/network/params';
import { pointGridForInput } from '../detector/points';
import { detectBatch } from '../detector/postprocess';
import { tf } from '../detector/tf';
import type { Tensor4D } from '../detector/tf';
import {
  EXPORTED_MODEL_FILE,
  EXPORTED_MODEL_FORMAT,
  EXPORTED_SETTINGS_FILE,
  EXPORTED_SETTINGS_FORMAT,
  type ExportedSettings,
} from '../shared/exportedModel';
import { inputCanvas, placeNormalised, resizedExtent, resizeRgb } from '../shared/networkInput';

export type { ExportedSettings };
export { resizeRgb };

/**
 * An image's pixels, row by row: `channels` bytes a pixel (1 grey, 2 grey + alpha, 3 RGB, 4 RGBA;
 * worked out from the length when left out). A browser's ImageData is one; so is sharp's raw output.
 */
export interface Pixels {
  data: ArrayLike<number>;
  width: number;
  height: number;
  channels?: number;
}

/** One detection, in pixels of the image as given. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
  score: number;
  classIndex: number;
  className: string;
}

export interface Detector {
  readonly settings: ExportedSettings;
  /** The boxes found in an image, best first (a lower `scoreThreshold` keeps more). */
  detect(image: Pixels, options?: { scoreThreshold?: number }): Promise<Box[]>;
  /** Frees the network's weights. */
  dispose(): void;
}

/**
 * Where the model's files are: the URL of its folder (or of its model.json), for fetch; or a function
 * that reads a file of the folder by name (Node: `(name) => readFile(path.join(dir, name))`).
 */
export type ModelSource =
  string | URL | { read(name: string): Promise<ArrayBuffer | ArrayBufferView | string> };

interface ModelJson {
  format: string;
  weightsManifest: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }>;
  userDefinedMetadata: { network: DetectorConfig };
}

export async function loadDetector(source: ModelSource): Promise<Detector> {
  const read = reader(source);
  const model = JSON.parse(text(await read(EXPORTED_MODEL_FILE))) as ModelJson;
  if (model.format !== EXPORTED_MODEL_FORMAT)
    throw new Error(`${EXPORTED_MODEL_FILE}: not a DW Studio detector (format ${model.format})`);
  const settings = JSON.parse(text(await read(EXPORTED_SETTINGS_FILE))) as ExportedSettings;
  if (settings.format !== EXPORTED_SETTINGS_FORMAT)
    throw new Error(`${EXPORTED_SETTINGS_FILE}: not DW Studio detector settings (format ${settings.format})`);
  const cfg = model.userDefinedMetadata.network;
  const group = model.weightsManifest[0]!;
  const shards = await Promise.all(group.paths.map(async (p) => bytes(await read(p))));
  const params = paramsFrom(cfg, tf.io.decodeWeights(join(shards), group.weights));

  return {
    settings,
    async detect(image, options = {}) {
      const { width: srcW, height: srcH } = image;
      const channels = image.channels ?? image.data.length / (srcW * srcH);
      if (!Number.isInteger(channels) || channels < 1 || channels > 4)
        throw new Error(`an image of ${srcW} × ${srcH} pixels cannot have ${image.data.length} values`);
      const size = settings.input.size;
      // The network-input rule of the app (shared/networkInput): resize, pad to 32, normalise.
      const { width, height } = resizedExtent(srcW, srcH, size);
      const rgb = resizeRgb(image.data, srcW, srcH, channels, width, height);
      const [H, W] = inputCanvas(height, width, size);
      const data = new Float32Array(H * W * 3);
      placeNormalised({ rgb, width, height }, W, false, data);
      const input = tf.tensor4d(data, [1, H, W, 3]) as Tensor4D;
      const outputs = networkForward({ params }, cfg, input);
      try {
        const [found] = await detectBatch(
          outputs,
          pointGridForInput(H, W, levelStrides(cfg)),
          [{ height, width, scaleX: width / srcW, scaleY: height / srcH }],
          settings.output.scoreRule,
          {
            scoreThreshold: options.scoreThreshold ?? settings.output.scoreThreshold,
            nmsPre: settings.output.nmsPre,
            nmsIou: settings.output.nmsIou,
            maxPerImage: settings.output.maxPerImage,
          },
        );
        const d = found!;
        return Array.from(d.scores, (score, k) => {
          const [x1, y1, x2, y2] = d.boxesXYXY.subarray(k * 4, k * 4 + 4);
          const classIndex = d.labels[k]!;
          return {
            x: x1!,
            y: y1!,
            width: x2! - x1!,
            height: y2! - y1!,
            score,
            classIndex,
            className: settings.classes[classIndex] ?? String(classIndex),
          };
        });
      } finally {
        tf.dispose([input, outputs.clsLogits, outputs.ctrLogits, outputs.ltrb]);
      }
    },
    dispose() {
      for (const p of params.values()) p.variable.dispose();
      params.clear();
    },
  };
}

/**
 * The pixels of an image, video frame or canvas in a browser, drawn at its own size (browsers apply
 * the EXIF orientation of an <img>, as DW Studio does).
 */
export function pixelsOf(image: object & { width: number; height: number }): Pixels {
  const el = image as {
    naturalWidth?: number;
    naturalHeight?: number;
    videoWidth?: number;
    videoHeight?: number;
  };
  const width = el.naturalWidth || el.videoWidth || image.width;
  const height = el.naturalHeight || el.videoHeight || image.height;
  const g = globalThis as unknown as {
    OffscreenCanvas?: new (w: number, h: number) => Canvas;
    document?: { createElement(tag: 'canvas'): Canvas & { width: number; height: number } };
  };
  let canvas: Canvas;
  if (g.OffscreenCanvas) canvas = new g.OffscreenCanvas(width, height);
  else if (g.document) {
    const c = g.document.createElement('canvas');
    c.width = width;
    c.height = height;
    canvas = c;
  } else throw new Error('pixelsOf needs a browser (a canvas); in Node, decode the image to pixels');
  const ctx = canvas.getContext('2d')!;
  ctx.drawImage(image, 0, 0);
  const { data } = ctx.getImageData(0, 0, width, height);
  return { data, width, height, channels: 4 };
}

interface Canvas {
  getContext(kind: '2d'): {
    drawImage(image: object, x: number, y: number): void;
    getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
  } | null;
}

/** The network's parameters from the decoded weights, checked against what the network needs. */
function paramsFrom(cfg: DetectorConfig, tensors: Record<string, tf.Tensor>): DetectorParams {
  const params: DetectorParams = new Map();
  for (const spec of networkSpecs(cfg)) {
    const t = tensors[spec.name];
    if (!t) throw new Error(`${EXPORTED_MODEL_FILE}: the weights lack ${spec.name}`);
    if (t.shape.join() !== spec.shape.join())
      throw new Error(
        `${EXPORTED_MODEL_FILE}: ${spec.name} is [${t.shape}], the network needs [${spec.shape}]`,
      );
    params.set(spec.name, { ...spec, variable: tf.variable(t, false) });
    t.dispose();
  }
  return params;
}

function reader(source: ModelSource): (name: string) => Promise<ArrayBuffer | ArrayBufferView | string> {
  if (typeof source === 'object' && 'read' in source) return (name) => source.read(name);
  const base = new URL(String(source), (globalThis as { location?: { href: string } }).location?.href);
  // A folder's URL, or its model.json's.
  if (!base.pathname.endsWith('/') && !base.pathname.endsWith('.json')) base.pathname += '/';
  return async (name) => {
    const url = new URL(name, base);
    const r = await fetch(url);
    if (!r.ok) throw new Error(`${url.href}: ${r.status} ${r.statusText}`);
    return name.endsWith('.json') ? r.text() : r.arrayBuffer();
  };
}

function text(v: ArrayBuffer | ArrayBufferView | string): string {
  return typeof v === 'string' ? v : new TextDecoder().decode(bytes(v));
}

function bytes(v: ArrayBuffer | ArrayBufferView | string): Uint8Array {
  if (typeof v === 'string') return new TextEncoder().encode(v);
  return v instanceof ArrayBuffer ? new Uint8Array(v) : new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
}

function join(parts: readonly Uint8Array[]): ArrayBuffer {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out.buffer;
}
