// Network shapes per preset and level set, parameter counts against torchvision, initial values
// (SPEC §1.1–§1.2), the analytic FLOP count, and wasm (our kernels) against the pure-JS backend.
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../../src-main/compute/activate';
import { detectorConfig, levelStrides, type DetectorConfigInput } from '../../../src-main/detector/config';
import {
  createDetector,
  disposeDetector,
  forward,
  pointsFor,
  type Detector,
} from '../../../src-main/detector/model';
import { networkSpecs } from '../../../src-main/detector/network/network';
import { tf } from '../../../src-main/detector/tf';

beforeAll(async () => {
  await useBackend('wasm');
});

function withDetector<T>(input: DetectorConfigInput, body: (det: Detector) => T): T {
  const det = createDetector(detectorConfig(input));
  try {
    return body(det);
  } finally {
    disposeDetector(det);
  }
}

const values = (det: Detector, name: string) => Array.from(det.params.get(name)!.variable.dataSync());
const count = (specs: { shape: number[] }[]) =>
  specs.reduce((a, s) => a + s.shape.reduce((x, y) => x * y, 1), 0);

describe('network shapes', () => {
  it.each([
    ['small', [3, 4, 5], 2, 64, 96],
    ['small', [3, 4], 1, 64, 64],
    ['small', [3, 4, 5, 6, 7], 1, 96, 64],
    ['mobilenet_v2', [3, 4, 5], 2, 64, 96],
    ['mobilenet_v2', [3, 4, 5, 6, 7], 1, 96, 64],
    ['resnet18', [3, 4, 5, 6, 7], 1, 64, 64],
    ['resnet50', [3, 4, 5, 6, 7], 1, 64, 64],
  ] as const)('%s, levels %j, batch %i, %i×%i', (preset, levels, B, H, W) => {
    withDetector({ preset, levels: [...levels], numClasses: 3 }, (det) => {
      const points = pointsFor(det.cfg, H, W);
      const shapes = tf.tidy(() => {
        const out = forward(det, tf.zeros([B, H, W, 3]) as tf.Tensor4D);
        return [out.clsLogits.shape, out.ctrLogits.shape, out.ltrb.shape];
      });
      expect(points.strides).toEqual(levels.map((l) => 2 ** l));
      expect(shapes).toEqual([
        [B, points.count, 3],
        [B, points.count],
        [B, points.count, 4],
      ]);
    });
  });

  it('rejects level sets that do not start at P3 or have gaps', () => {
    expect(() => detectorConfig({ numClasses: 1, levels: [4, 5] })).toThrow(/levels/);
    expect(() => detectorConfig({ numClasses: 1, levels: [3, 5] })).toThrow(/levels/);
  });
});

describe('parameters', () => {
  // torchvision resnet18 / resnet50 without the fc layer: 11,689,512 − 513,000 and 25,557,032 − 2,049,000;
  // mobilenet_v2 without features.18 and the classifier: 3,504,872 − 412,160 − 1,281,000.
  it.each([
    ['resnet18', 11_176_512],
    ['resnet50', 23_508_032],
    ['mobilenet_v2', 1_811_712],
  ] as const)('%s backbone matches torchvision (%i weights)', (preset, expected) => {
    const backbone = networkSpecs(detectorConfig({ preset, numClasses: 1, backboneNorm: 'gn' })).filter((s) =>
      s.name.startsWith('backbone/'),
    );
    expect(count(backbone)).toBe(expected);
  });

  it('has stable names and roles', () => {
    const specs = networkSpecs(detectorConfig({ numClasses: 2 }));
    const names = specs.map((s) => s.name);
    expect(names).toContain('backbone/stage2/block0/conv1/kernel');
    expect(names).toContain('fpn/lateral3/bias');
    expect(names).toContain('head/cls_tower/1/gn/gamma');
    expect(names).toContain('head/reg_offset/kernel');
    expect(names).toContain('head/scale/2');
    expect(specs.find((s) => s.name === 'head/scale/0')!.role).toBe('scale');
    expect(specs.find((s) => s.name === 'head/cls_tower/0/gn/beta')!.role).toBe('norm');
    expect(specs.every((s) => s.trainable)).toBe(true);
    expect(count(specs)).toBeGreaterThan(1.3e6);
    expect(count(specs)).toBeLessThan(1.5e6);
  });

  it('freezes the stem and first stage with frozen BatchNorm, and never trains its statistics', () => {
    const specs = networkSpecs(
      detectorConfig({ preset: 'resnet18', numClasses: 1, backboneNorm: 'frozen-bn', frozenStages: 1 }),
    );
    const frozen = specs.filter((s) => !s.trainable).map((s) => s.name);
    expect(frozen).toContain('backbone/stem/conv/kernel');
    expect(frozen).toContain('backbone/stage2/block1/conv2/kernel');
    expect(frozen).toContain('backbone/stage3/block0/norm1/mean');
    expect(frozen).not.toContain('backbone/stage3/block0/conv1/kernel');
    expect(frozen).not.toContain('backbone/stage3/block0/norm1/gamma');
  });

  it('freezes mobilenet_v2 features.0–1 (stride 2) with frozenStages 1, and features.2–3 with 2', () => {
    const frozen = (frozenStages: number) =>
      networkSpecs(detectorConfig({ preset: 'mobilenet_v2', numClasses: 1, frozenStages }))
        .filter((s) => !s.trainable && !s.name.endsWith('/mean') && !s.name.endsWith('/variance'))
        .map((s) => s.name);
    const blocks = (names: string[]) => [...new Set(names.map((n) => n.split('/')[1]))];
    expect(blocks(frozen(0))).toEqual([]);
    expect(blocks(frozen(1))).toEqual(['stem', 'features1']);
    expect(blocks(frozen(2))).toEqual(['stem', 'features1', 'features2', 'features3']);
    expect(frozen(1)).toContain('backbone/features1/dw/conv/kernel');
    expect(frozen(1)).toContain('backbone/stem/norm/gamma');
    expect(detectorConfig({ preset: 'mobilenet_v2', numClasses: 1 })).toMatchObject({
      backboneNorm: 'frozen-bn',
      frozenStages: 1,
    });
  });
});

describe('initial values (SPEC §1.1–§1.2)', () => {
  it.each([
    ['dw', -Math.log(0.98 / 0.02), 4],
    ['fcos', -Math.log(0.99 / 0.01), 0],
  ] as const)('%s head biases, Scale, GN and conv init', (assigner, clsBias, regBias) => {
    withDetector({ numClasses: 3, assigner, refine: assigner === 'dw' }, (det) => {
      expect(values(det, 'head/conv_cls/bias')).toEqual(new Array(3).fill(Math.fround(clsBias)));
      expect(values(det, 'head/conv_reg/bias')).toEqual([regBias, regBias, regBias, regBias]);
      expect(values(det, 'head/conv_centerness/bias')).toEqual([0]);
      expect(det.params.has('head/reg_offset/kernel')).toBe(assigner === 'dw');
      for (const l of [0, 1, 2]) expect(values(det, `head/scale/${l}`)).toEqual([1]);
      expect(new Set(values(det, 'head/reg_tower/1/gn/gamma'))).toEqual(new Set([1]));
      expect(new Set(values(det, 'head/reg_tower/1/gn/beta'))).toEqual(new Set([0]));
      expect(new Set(values(det, 'head/cls_tower/0/conv/bias'))).toEqual(new Set([0]));
      const k = values(det, 'head/cls_tower/0/conv/kernel');
      const std = Math.sqrt(k.reduce((a, v) => a + v * v, 0) / k.length);
      expect(std).toBeGreaterThan(0.0095);
      expect(std).toBeLessThan(0.0105);
      // FPN: Xavier uniform within ±sqrt(6 / (fan_in + fan_out)), bias 0.
      const f = values(det, 'fpn/output3/kernel');
      const bound = Math.sqrt(6 / (9 * 64 + 9 * 64));
      expect(Math.max(...f.map(Math.abs))).toBeLessThanOrEqual(bound);
      expect(Math.max(...f.map(Math.abs))).toBeGreaterThan(0.95 * bound);
      expect(new Set(values(det, 'fpn/lateral4/bias'))).toEqual(new Set([0]));
      // Each residual block starts as the identity.
      expect(new Set(values(det, 'backbone/stage3/block0/norm2/gamma'))).toEqual(new Set([0]));
    });
  });

  it('starts at distances 4·stride and the 0.02 prior (DW, no refinement)', () => {
    withDetector({ numClasses: 2, refine: false }, (det) => {
      const points = pointsFor(det.cfg, 64, 64);
      const [ltrb, prob] = tf.tidy(() => {
        const out = forward(det, tf.randomNormal([1, 64, 64, 3], 0, 1, 'float32', 3) as tf.Tensor4D);
        return [Array.from(out.ltrb.dataSync()), Array.from(tf.sigmoid(out.clsLogits).dataSync())];
      });
      // conv_reg adds N(0, 0.01)-weighted sums of ~576 unit-scale features: ±0.2 around the bias.
      const ratios = Array.from(ltrb, (v, i) => v / points.stride[Math.floor(i / 4)]!);
      const mean = ratios.reduce((a, v) => a + v, 0) / ratios.length;
      expect(mean).toBeCloseTo(4, 1);
      expect(ratios.every((r) => Math.abs(r - 4) < 1)).toBe(true);
      // σ(−3.89 ± 0.2): the 0.02 prior within a factor e^±0.6.
      expect(prob.reduce((a, v) => a + v, 0) / prob.length).toBeCloseTo(0.02, 2);
      expect(prob.every((v) => v > 0.011 && v < 0.037)).toBe(true);
    });
  });

  it('is the same network for the same seed, and a different one for another seed', () => {
    const a = withDetector({ numClasses: 1 }, (d) => values(d, 'backbone/stage4/block0/conv1/kernel'));
    const b = withDetector({ numClasses: 1 }, (d) => values(d, 'backbone/stage4/block0/conv1/kernel'));
    const c = withDetector({ numClasses: 1, seed: 2 }, (d) =>
      values(d, 'backbone/stage4/block0/conv1/kernel'),
    );
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });
});

describe('forward FLOPs', () => {
  it('counts 2 per multiply-add of every conv, as computed from the layer list', () => {
    const cfg = detectorConfig({ numClasses: 4, levels: [3, 4, 5, 6] });
    const [H, W, B] = [64, 96, 2];
    const counted = withDetector(cfg, (det) => {
      const flops = { total: 0 };
      tf.tidy(() => void forward(det, tf.zeros([B, H, W, 3]) as tf.Tensor4D, flops));
      return flops.total;
    });
    // Independent: each kernel [k,k,cin,cout] at the resolution its name implies.
    const cells = (s: number) => Math.ceil(H / s) * Math.ceil(W / s);
    const headCells = levelStrides(cfg).reduce((a, s) => a + cells(s), 0);
    const at = (name: string): number => {
      const stage = /^backbone\/stage(\d)/.exec(name);
      if (name.startsWith('backbone/stem')) return cells(2);
      if (stage) return cells(2 ** Number(stage[1]));
      const fpn = /^fpn\/(?:lateral|output)(\d)/.exec(name);
      if (fpn) return cells(2 ** Number(fpn[1]));
      if (name === 'fpn/p6/kernel') return cells(64);
      return headCells;
    };
    const expected = networkSpecs(cfg)
      .filter((s) => s.name.endsWith('/kernel'))
      .reduce((a, s) => a + 2 * B * at(s.name) * s.shape.reduce((x, y) => x * y, 1), 0);
    expect(counted).toBe(expected);
  });

  it('counts depthwise convs too (mobilenet_v2)', () => {
    const cfg = detectorConfig({ preset: 'mobilenet_v2', numClasses: 2, levels: [3, 4, 5] });
    const [H, W, B] = [64, 96, 1];
    const counted = withDetector(cfg, (det) => {
      const flops = { total: 0 };
      tf.tidy(() => void forward(det, tf.zeros([B, H, W, 3]) as tf.Tensor4D, flops));
      return flops.total;
    });
    const cells = (s: number) => Math.ceil(H / s) * Math.ceil(W / s);
    // Output stride of features.1…17; a block's expansion runs at its input's stride.
    const strides = [2, 4, 4, 8, 8, 8, 16, 16, 16, 16, 16, 16, 16, 32, 32, 32, 32];
    const headCells = [8, 16, 32].reduce((a, s) => a + cells(s), 0);
    const at = (name: string): number => {
      const f = /^backbone\/features(\d+)\/(\w+)/.exec(name);
      if (name.startsWith('backbone/stem')) return cells(2);
      if (f) return cells(f[2] === 'expand' ? strides[Number(f[1]) - 2]! : strides[Number(f[1]) - 1]!);
      const fpn = /^fpn\/(?:lateral|output)(\d)/.exec(name);
      if (fpn) return cells(2 ** Number(fpn[1]));
      return headCells;
    };
    const expected = networkSpecs(cfg)
      .filter((s) => s.name.endsWith('/kernel'))
      .reduce((a, s) => a + 2 * B * at(s.name) * s.shape.reduce((x, y) => x * y, 1), 0);
    expect(counted).toBe(expected);
  });
});

describe('backends', () => {
  it.each(['small', 'mobilenet_v2'] as const)(
    'wasm with our kernels computes the same outputs and gradients as the pure-JS backend (%s)',
    async (preset) => {
      const run = () =>
        withDetector({ preset, numClasses: 3, levels: [3, 4, 5, 6, 7], frozenStages: 0 }, (det) =>
          tf.tidy(() => {
            const x = tf.randomNormal([2, 64, 64, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
            const out = forward(det, x);
            const vars = [...det.params.values()].filter((p) => p.trainable).map((p) => p.variable);
            const { grads } = tf.variableGrads(
              () => tf.sum(tf.mul(tf.sin(forward(det, x).ltrb), 0.01)),
              vars,
            );
            const g = Object.values(grads).map((t) => Array.from(t.dataSync()));
            return { cls: Array.from(out.clsLogits.dataSync()), ltrb: Array.from(out.ltrb.dataSync()), g };
          }),
        );
      const wasm = run();
      await useBackend('cpu');
      const cpu = run();
      await useBackend('wasm');
      const rel = (a: number[], b: number[]) => {
        let diff = 0;
        let ref = 1e-12;
        a.forEach((v, i) => {
          diff = Math.max(diff, Math.abs(v - b[i]!));
          ref = Math.max(ref, Math.abs(b[i]!));
        });
        return diff / ref;
      };
      expect(rel(wasm.cls, cpu.cls)).toBeLessThan(1e-4);
      expect(rel(wasm.ltrb, cpu.ltrb)).toBeLessThan(1e-4);
      const worst = wasm.g.reduce((w, g, i) => Math.max(w, rel(g, cpu.g[i]!)), 0);
      expect(worst).toBeLessThan(2e-3);
    },
  );
});
