// DW's box refinement (SPEC §6): each side of the coarse box is re-read from the decoded box map at a
// learned offset from where the point's row or column crosses that side. mmcv implements it as a 1×1
// depthwise deform_conv2d; here it is per-channel bilinear sampling, built on `gather` (gatherND has
// no gradient in tfjs) so that gradients reach both the sampled map and the sample positions.
import { detach, splitLast } from './tensorOps';
import { tf } from './tf';
import type { Tensor } from './tf';

/**
 * Per-channel bilinear sampling with mmcv's zero padding. `feature` [B, H, W, C]; `rows`, `cols`
 * [B, K, C] in grid units (cell (i, j) is at row i, column j). Returns [B, K, C]: entry (b, k, c) is
 * channel c of image b read at (rows[b,k,c], cols[b,k,c]).
 *
 * mmcv: 0 when h ≤ −1, h ≥ H, w ≤ −1 or w ≥ W; otherwise the four neighbours ⌊h⌋, ⌊h⌋+1 × ⌊w⌋, ⌊w⌋+1
 * with bilinear weights, a neighbour outside the map contributing 0 (SPEC §6.3). Clipping the positions
 * to [−1, H] × [−1, W] first changes no value (the weights of the in-map neighbours are 0 there) and
 * gives outside samples a zero position gradient, as mmcv's coordinate gradient does; it also keeps
 * the index arithmetic bounded. Gradients: to `feature` through the gather, and to `rows`/`cols`
 * through the fractional parts; ⌊·⌋ is taken on detached copies.
 */
export function sampleBilinear(feature: Tensor, rows: Tensor, cols: Tensor): Tensor {
  return tf.tidy(() => {
    const [B, H, W, C] = feature.shape as [number, number, number, number];
    const K = rows.shape[1] as number;
    const flat = tf.reshape(feature, [B * H * W * C]); // [B·H·W·C]
    const r = tf.clipByValue(rows, -1, H);
    const c = tf.clipByValue(cols, -1, W);
    const r0 = tf.floor(detach(r)); // [B,K,C]
    const c0 = tf.floor(detach(c));
    const fr = tf.sub(r, r0); // carries the position gradient
    const fc = tf.sub(c, c0);
    const gr = tf.sub(1, fr);
    const gc = tf.sub(1, fc);
    // Offset of (image b, channel c) in `flat`: b·H·W·C + c. [B,1,C] broadcast over K.
    const base = tf.add(
      tf.reshape(tf.mul(tf.range(0, B, 1, 'int32'), tf.scalar(H * W * C, 'int32')), [B, 1, 1]),
      tf.reshape(tf.range(0, C, 1, 'int32'), [1, 1, C]),
    );
    const r0i = tf.cast(r0, 'int32');
    const c0i = tf.cast(c0, 'int32');
    const corners: Array<[number, number, Tensor]> = [
      [0, 0, tf.mul(gr, gc)],
      [0, 1, tf.mul(gr, fc)],
      [1, 0, tf.mul(fr, gc)],
      [1, 1, tf.mul(fr, fc)],
    ];
    const indices: Tensor[] = [];
    const weights: Tensor[] = [];
    for (const [dr, dc, w] of corners) {
      const ri = tf.add(r0i, tf.scalar(dr, 'int32'));
      const ci = tf.add(c0i, tf.scalar(dc, 'int32'));
      const valid = tf.logicalAnd(
        tf.logicalAnd(tf.greaterEqual(ri, 0), tf.lessEqual(ri, H - 1)),
        tf.logicalAnd(tf.greaterEqual(ci, 0), tf.lessEqual(ci, W - 1)),
      );
      const rc = tf.minimum(tf.maximum(ri, tf.scalar(0, 'int32')), tf.scalar(H - 1, 'int32'));
      const cc = tf.minimum(tf.maximum(ci, tf.scalar(0, 'int32')), tf.scalar(W - 1, 'int32'));
      const cell = tf.add(tf.mul(rc, tf.scalar(W, 'int32')), cc); // [B,K,C] row-major cell
      indices.push(tf.add(tf.mul(cell, tf.scalar(C, 'int32')), base));
      weights.push(tf.mul(w, tf.cast(valid, 'float32')));
    }
    const values = tf.gather(flat, tf.reshape(tf.stack(indices), [4 * B * K * C])); // [4·B·K·C]
    const weighted = tf.mul(tf.reshape(values, [4, B, K, C]), tf.stack(weights)); // [4,B,K,C]
    return tf.sum(weighted, 0); // [B,K,C]
  });
}

export interface RefinementSamples {
  /** [B, H, W, 4] the coarse boxes as absolute (X1, Y1, X2, Y2) in pixels. */
  decoded: Tensor;
  /** [B, H, W, 4] sample rows (grid units) of the X1, Y1, X2, Y2 channels. */
  rows: Tensor;
  /** [B, H, W, 4] sample columns (grid units). */
  cols: Tensor;
}

/**
 * The decoded map and the sample positions of one level (SPEC §6.1–§6.2). `coarse` [B, H, W, 4] are
 * (l, t, r, b) in pixels, `offsets` [B, H, W, 8] are (o0 … o7) with (Δrow, Δcol) pairs per side:
 *   X1 at (i + o0, j + o1 − l/s)   Y1 at (i + o2 − t/s, j + o3)
 *   X2 at (i + o4, j + o5 + r/s)   Y2 at (i + o6 + b/s, j + o7)
 */
export function refinementSamples(coarse: Tensor, offsets: Tensor, stride: number): RefinementSamples {
  return tf.tidy(() => {
    const [, H, W] = coarse.shape as [number, number, number, number];
    const ii = tf.reshape(tf.range(0, H, 1, 'float32'), [1, H, 1, 1]); // row index
    const jj = tf.reshape(tf.range(0, W, 1, 'float32'), [1, 1, W, 1]); // column index
    const x = tf.mul(tf.add(jj, 0.5), stride); // [1,1,W,1] point x in pixels
    const y = tf.mul(tf.add(ii, 0.5), stride); // [1,H,1,1]
    const [l, t, r, b] = splitLast(coarse, 4); // each [B,H,W,1]
    const o = splitLast(offsets, 8); // each [B,H,W,1]
    const decoded = tf.concat([tf.sub(x, l), tf.sub(y, t), tf.add(x, r), tf.add(y, b)], -1); // [B,H,W,4]
    const rows = tf.concat(
      [
        tf.add(ii, o[0]),
        tf.sub(tf.add(ii, o[2]), tf.div(t, stride)),
        tf.add(ii, o[4]),
        tf.add(tf.add(ii, o[6]), tf.div(b, stride)),
      ],
      -1,
    ); // [B,H,W,4]
    const cols = tf.concat(
      [
        tf.sub(tf.add(jj, o[1]), tf.div(l, stride)),
        tf.add(jj, o[3]),
        tf.add(tf.add(jj, o[5]), tf.div(r, stride)),
        tf.add(jj, o[7]),
      ],
      -1,
    ); // [B,H,W,4]
    return { decoded, rows, cols };
  });
}

/** The sampled (X1, Y1, X2, Y2) [B, H, W, 4] of one level (SPEC §6.2–§6.3). */
export function sampleRefinedSides(coarse: Tensor, offsets: Tensor, stride: number): Tensor {
  return tf.tidy(() => {
    const [B, H, W] = coarse.shape as [number, number, number, number];
    const { decoded, rows, cols } = refinementSamples(coarse, offsets, stride);
    const sampled = sampleBilinear(
      decoded,
      tf.reshape(rows, [B, H * W, 4]), // [B,H·W,4]
      tf.reshape(cols, [B, H * W, 4]),
    ); // [B,H·W,4]
    return tf.reshape(sampled, [B, H, W, 4]);
  });
}

/**
 * The refined distances of one level, d′ = ReLU(x − X1ˢ, y − Y1ˢ, X2ˢ − x, Y2ˢ − y) in pixels
 * [B, H, W, 4] (SPEC §6.4). The network calls this per level; nothing is detached.
 */
export function refineLtrb(coarse: Tensor, offsets: Tensor, stride: number): Tensor {
  return tf.tidy(() => {
    const [, H, W] = coarse.shape as [number, number, number, number];
    const sides = sampleRefinedSides(coarse, offsets, stride);
    const x = tf.reshape(tf.mul(tf.add(tf.range(0, W, 1, 'float32'), 0.5), stride), [1, 1, W, 1]);
    const y = tf.reshape(tf.mul(tf.add(tf.range(0, H, 1, 'float32'), 0.5), stride), [1, H, 1, 1]);
    const [sx1, sy1, sx2, sy2] = splitLast(sides, 4); // each [B,H,W,1]
    return tf.relu(tf.concat([tf.sub(x, sx1), tf.sub(y, sy1), tf.sub(sx2, x), tf.sub(sy2, y)], -1));
  });
}
