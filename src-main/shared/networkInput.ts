// How an image becomes the network's input, as plain arithmetic over pixels: the one rule that the
// trainer (training, validation, prediction) and an exported model's JavaScript module both follow,
// so the module finds exactly the boxes the app finds. The resampling is ours, in JavaScript, rather
// than a codec's or a browser's: its every step is defined here and gives the same bytes everywhere.

/** ImageNet statistics (RGB, 0–255), as the detector's recipe normalises inputs (SPEC §9.1). */
export const PIXEL_MEAN = [123.675, 116.28, 103.53] as const;
export const PIXEL_STD = [58.395, 57.12, 57.375] as const;

/** The network's inputs are multiples of this (its coarsest backbone stride; SPEC §9.1 "pad to 32"). */
export const PAD_DIVISOR = 32;

/** The size an image of `width` × `height` is resized to: its long side `size`, the aspect ratio kept. */
export function resizedExtent(
  width: number,
  height: number,
  size: number,
): { width: number; height: number } {
  const scale = size / Math.max(width, height);
  return {
    width: Math.max(1, Math.round(width * scale)),
    height: Math.max(1, Math.round(height * scale)),
  };
}

/**
 * The network input for resized images of at most `height` × `width`: rounded up to a multiple of 32,
 * at most `size` (mmdet pads a batch to its largest image; one image is padded to itself).
 */
export function inputCanvas(height: number, width: number, size: number): [number, number] {
  const fit = (v: number) => Math.min(size, Math.ceil(Math.max(1, v) / PAD_DIVISOR) * PAD_DIVISOR);
  return [fit(height), fit(width)];
}

/** Source taps and weights of each output pixel along one axis. */
interface AxisTaps {
  start: Int32Array;
  count: Int32Array;
  /** `maxTaps` weights per output pixel, normalised to sum to 1. */
  weights: Float64Array;
  maxTaps: number;
}

/**
 * A triangle (linear) filter whose width grows with the reduction, so a shrink averages every source
 * pixel under an output pixel instead of skipping most of them (PIL's and libvips' "linear" resize);
 * pixel centres at +0.5. Weights are normalised over the pixels inside the image, which at the borders
 * amounts to repeating the edge pixel.
 */
function axisTaps(inSize: number, outSize: number): AxisTaps {
  const scale = inSize / outSize;
  const support = Math.max(scale, 1);
  const maxTaps = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Float64Array(outSize * maxTaps);
  for (let o = 0; o < outSize; o++) {
    const center = (o + 0.5) * scale;
    const lo = Math.max(0, Math.floor(center - support - 0.5));
    const hi = Math.min(inSize - 1, Math.ceil(center + support - 0.5));
    let n = 0;
    let sum = 0;
    let first = -1;
    for (let i = lo; i <= hi; i++) {
      const w = 1 - Math.abs((i + 0.5 - center) / support);
      if (w <= 0) continue;
      if (first < 0) first = i;
      weights[o * maxTaps + (i - first)] = w;
      n = i - first + 1;
      sum += w;
    }
    for (let k = 0; k < n; k++) weights[o * maxTaps + k]! /= sum;
    start[o] = first;
    count[o] = n;
  }
  return { start, count, weights, maxTaps };
}

/**
 * `src` (width × height pixels of `channels` bytes: 1 grey, 2 grey + alpha, 3 RGB, 4 RGBA) resized to
 * `outW` × `outH` RGB bytes. Alpha is dropped, not composited (as sharp's removeAlpha). Separable:
 * rows first, then columns, in float64, rounded to the nearest byte at the end.
 */
export function resizeRgb(
  src: ArrayLike<number>,
  width: number,
  height: number,
  channels: number,
  outW: number,
  outH: number,
): Uint8Array {
  if (src.length < width * height * channels)
    throw new Error(`resizeRgb: ${src.length} bytes for ${width} × ${height} × ${channels}`);
  const colour = channels >= 3;
  const xs = axisTaps(width, outW);
  const ys = axisTaps(height, outH);
  // Rows resized to outW: height × outW × 3.
  const rows = new Float64Array(height * outW * 3);
  for (let y = 0; y < height; y++) {
    const rowIn = y * width * channels;
    const rowOut = y * outW * 3;
    for (let o = 0; o < outW; o++) {
      const n = xs.count[o]!;
      let at = rowIn + xs.start[o]! * channels;
      const wAt = o * xs.maxTaps;
      let r = 0;
      let g = 0;
      let b = 0;
      for (let k = 0; k < n; k++, at += channels) {
        const w = xs.weights[wAt + k]!;
        r += w * src[at]!;
        if (colour) {
          g += w * src[at + 1]!;
          b += w * src[at + 2]!;
        }
      }
      rows[rowOut + o * 3] = r;
      rows[rowOut + o * 3 + 1] = colour ? g : r;
      rows[rowOut + o * 3 + 2] = colour ? b : r;
    }
  }
  const out = new Uint8Array(outW * outH * 3);
  const line = outW * 3;
  for (let o = 0; o < outH; o++) {
    const n = ys.count[o]!;
    const first = ys.start[o]!;
    const wAt = o * ys.maxTaps;
    for (let x = 0; x < line; x++) {
      let v = 0;
      for (let k = 0; k < n; k++) v += ys.weights[wAt + k]! * rows[(first + k) * line + x]!;
      out[o * line + x] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
    }
  }
  return out;
}

/**
 * Writes `rgb` (width × height RGB bytes) normalised into the top-left of a `canvasW`-wide network
 * input at `out[offset]` (HWC), mirrored left to right when `flip`. The rest of the canvas is left as
 * it is: zero, the normalised mean, in a fresh array.
 */
export function placeNormalised(
  img: { rgb: Uint8Array; width: number; height: number },
  canvasW: number,
  flip: boolean,
  out: Float32Array,
  offset = 0,
): void {
  const { rgb, width, height } = img;
  const [m0, m1, m2] = PIXEL_MEAN;
  const [s0, s1, s2] = PIXEL_STD;
  for (let y = 0; y < height; y++) {
    let dst = offset + y * canvasW * 3;
    for (let x = 0; x < width; x++, dst += 3) {
      const src = (y * width + (flip ? width - 1 - x : x)) * 3;
      out[dst] = (rgb[src]! - m0) / s0;
      out[dst + 1] = (rgb[src + 1]! - m1) / s1;
      out[dst + 2] = (rgb[src + 2]! - m2) / s2;
    }
  }
}
