// The FPN point grid (SPEC §1.3). Every per-image tensor of the detector lists its points in this
// order: level-major (finest level first), then row-major (y outer, x inner).

export interface LevelSize {
  height: number;
  width: number;
}

export interface PointGrid {
  /** P, the number of points over all levels. */
  count: number;
  /** [P·2]: (x, y) in input pixels; point (i, j) of a level with stride s is ((j + 0.5)s, (i + 0.5)s). */
  xy: Float32Array;
  /** [P]: the stride of each point's level. */
  stride: Float32Array;
  /** [P]: the level index of each point (0 = finest). */
  level: Int32Array;
  strides: number[];
  levelSizes: LevelSize[];
  /** [L + 1]: level l holds points levelStarts[l] … levelStarts[l + 1] − 1. */
  levelStarts: number[];
}

/** The network input size: the image padded up to a multiple of `divisor` (32 in mmdet). */
export function paddedSize(size: number, divisor = 32): number {
  return Math.ceil(size / divisor) * divisor;
}

/**
 * Feature-map sizes for an input of `height` × `width` (before padding). Every stride-2 conv with a
 * 3×3 kernel and padding 1 (and ResNet's stem and max-pool) maps n to ⌈n/2⌉, and repeated ⌈·/2⌉ equals
 * ⌈n/2^k⌉, so each level is ⌈padded/s⌉ — P6 and P7 included.
 */
export function featureMapSizes(
  height: number,
  width: number,
  strides: readonly number[],
  padDivisor = 32,
): LevelSize[] {
  const h = paddedSize(height, padDivisor);
  const w = paddedSize(width, padDivisor);
  return strides.map((s) => ({ height: Math.ceil(h / s), width: Math.ceil(w / s) }));
}

export function makePointGrid(levelSizes: readonly LevelSize[], strides: readonly number[]): PointGrid {
  if (levelSizes.length !== strides.length) {
    throw new Error(`makePointGrid: ${levelSizes.length} level sizes for ${strides.length} strides`);
  }
  const levelStarts = [0];
  for (const { height, width } of levelSizes) {
    levelStarts.push((levelStarts[levelStarts.length - 1] as number) + height * width);
  }
  const count = levelStarts[levelStarts.length - 1] as number;
  const xy = new Float32Array(count * 2);
  const stride = new Float32Array(count);
  const level = new Int32Array(count);
  let p = 0;
  levelSizes.forEach(({ height, width }, l) => {
    const s = strides[l] as number;
    for (let i = 0; i < height; i++) {
      for (let j = 0; j < width; j++, p++) {
        xy[2 * p] = (j + 0.5) * s;
        xy[2 * p + 1] = (i + 0.5) * s;
        stride[p] = s;
        level[p] = l;
      }
    }
  });
  return {
    count,
    xy,
    stride,
    level,
    strides: [...strides],
    levelSizes: levelSizes.map((z) => ({ ...z })),
    levelStarts,
  };
}

/** The grid for an input image of `height` × `width` pixels (padded as the network pads it). */
export function pointGridForInput(
  height: number,
  width: number,
  strides: readonly number[],
  padDivisor = 32,
): PointGrid {
  return makePointGrid(featureMapSizes(height, width, strides, padDivisor), strides);
}
