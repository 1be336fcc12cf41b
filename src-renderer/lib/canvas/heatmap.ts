import { interpolateInferno, interpolateViridis } from 'd3-scale-chromatic';

export type Colormap = 'viridis' | 'inferno';

const LUT_SIZE = 256;
const luts = new Map<Colormap, Uint8ClampedArray>();

/** 256-entry RGB lookup table of a perceptually uniform d3 colour scale. */
function lut(name: Colormap): Uint8ClampedArray {
  let table = luts.get(name);
  if (!table) {
    const f = name === 'viridis' ? interpolateViridis : interpolateInferno;
    table = new Uint8ClampedArray(LUT_SIZE * 3);
    for (let i = 0; i < LUT_SIZE; i++) {
      table.set(parseColor(f(i / (LUT_SIZE - 1))), i * 3);
    }
    luts.set(name, table);
  }
  return table;
}

/** d3's interpolators answer "#rrggbb" or "rgb(r, g, b)". */
function parseColor(c: string): [number, number, number] {
  if (c.startsWith('#'))
    return [1, 3, 5].map((k) => parseInt(c.slice(k, k + 2), 16)) as [number, number, number];
  const m = /rgb\((\d+),\s*(\d+),\s*(\d+)\)/.exec(c);
  if (!m) throw new Error(`unexpected colour ${c}`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

export function colorAt(value: number, min: number, max: number, name: Colormap = 'viridis'): string {
  const t = lut(name);
  const i = Math.round(Math.min(1, Math.max(0, (value - min) / (max - min || 1))) * (LUT_SIZE - 1));
  return `rgb(${t[i * 3]}, ${t[i * 3 + 1]}, ${t[i * 3 + 2]})`;
}

export interface HeatmapOptions {
  min: number;
  max: number;
  colormap?: Colormap;
  /** Values at or below this are drawn transparent, so the image shows through. */
  transparentBelow?: number;
}

/**
 * The top-left `width × height` points of one FPN level (a level is `stride` points wide, row-major
 * from `offset`) as a canvas of one pixel per point: scaled up with smoothing off, each point stays a
 * crisp cell of its stride.
 */
export function renderHeatmap(
  values: ArrayLike<number>,
  offset: number,
  height: number,
  width: number,
  opts: HeatmapOptions,
  stride = width,
): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d')!;
  const img = ctx.createImageData(width, height);
  const table = lut(opts.colormap ?? 'viridis');
  const span = opts.max - opts.min || 1;
  for (let k = 0; k < width * height; k++) {
    const v = values[offset + Math.floor(k / width) * stride + (k % width)]!;
    const i = Math.round(Math.min(1, Math.max(0, (v - opts.min) / span)) * (LUT_SIZE - 1));
    img.data[k * 4] = table[i * 3]!;
    img.data[k * 4 + 1] = table[i * 3 + 1]!;
    img.data[k * 4 + 2] = table[i * 3 + 2]!;
    img.data[k * 4 + 3] = opts.transparentBelow !== undefined && v <= opts.transparentBelow ? 0 : 255;
  }
  ctx.putImageData(img, 0, 0);
  return canvas;
}

/**
 * The part `crop` (in cells, fractions allowed) of a heatmap drawn `width × height` pixels large with
 * crisp cells: a tile with the image's own aspect.
 */
export function cropHeatmap(
  cells: HTMLCanvasElement,
  crop: { width: number; height: number },
  width: number,
  height: number,
): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d')!;
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(cells, 0, 0, crop.width, crop.height, 0, 0, width, height);
  return canvas;
}

/** A horizontal colour bar for the legend. */
export function renderColorbar(width: number, colormap: Colormap = 'viridis'): string {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = 1;
  const ctx = canvas.getContext('2d')!;
  for (let x = 0; x < width; x++) {
    ctx.fillStyle = colorAt(x / (width - 1), 0, 1, colormap);
    ctx.fillRect(x, 0, 1, 1);
  }
  return canvas.toDataURL();
}
