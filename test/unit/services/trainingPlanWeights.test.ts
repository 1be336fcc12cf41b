// The one-click plan and ImageNet weights: it starts from them when they are here or can be fetched,
// says which (name, licence, hash) and how they arrive, and otherwise trains from scratch and says why.
import { describe, expect, it } from 'vitest';
import type { ComputeReport } from '../../../src-main/shared/api/system';
import { TrainConfig } from '../../../src-main/shared/api/training';
import { pretrainedFor, PRETRAINED } from '../../../src-main/shared/pretrained';
import {
  fineTuneLr,
  planTraining,
  type WeightsAvailability,
} from '../../../src-main/services/trainingService';

const wasm: ComputeReport = {
  backend: 'wasm',
  device: 'CPU, 2 threads (WebAssembly SIMD)',
  usesGpu: false,
  threads: 2,
  skipped: [],
  probeMs: 10,
};
const gpu: ComputeReport = {
  ...wasm,
  backend: 'tensorflow-gpu',
  device: 'NVIDIA RTX 3060',
  usesGpu: true,
  threads: 1,
};
const counts = { train: 120, val: 30, classes: 3 };

const availability =
  (state: WeightsAvailability['state'], reason: string | null = null) =>
  (preset: string): WeightsAvailability | null => {
    const weights = pretrainedFor(preset);
    return weights ? { weights, state, reason } : null;
  };

describe('the plan and ImageNet weights', () => {
  it('pins every published file by address, size and SHA-256, one per pretrained preset', () => {
    expect(PRETRAINED.map((w) => w.preset).sort()).toEqual(['mobilenet_v2', 'resnet18', 'resnet50']);
    for (const w of PRETRAINED) {
      expect(w.sha256).toMatch(/^[0-9a-f]{64}$/);
      // torchvision names each file with the first 8 hex digits of its SHA-256.
      expect(w.fileName).toContain(`-${w.sha256.slice(0, 8)}.pth`);
      expect(w.url).toBe(`https://download.pytorch.org/models/${w.fileName}`);
      expect(w.bytes).toBeGreaterThan(10e6);
      expect(w.licence).toBe('BSD-3-Clause');
    }
  });

  it('on a CPU with the MobileNetV2 weights here: MobileNetV2 from ImageNet, fine-tuning settings, says so', () => {
    const plan = planTraining(wasm, counts, {}, null, availability('cached'));
    const w = pretrainedFor('mobilenet_v2')!;
    expect(plan.config).toMatchObject({
      preset: 'mobilenet_v2',
      weights: { id: w.id, sha256: w.sha256 },
      lr: fineTuneLr(4),
      warmupSteps: 500,
    });
    expect(fineTuneLr(4)).toBeCloseTo(0.0025, 12);
    const line = plan.reasons.find((r) => r.startsWith('Starts from'))!;
    expect(line).toContain('MobileNetV2, ImageNet-1k weights');
    expect(line).toContain('BSD-3-Clause');
    expect(line).toContain('already in the weights folder');
    expect(line).toContain('stem and first stage frozen');
    expect(plan.blocker).toBeNull();
  });

  it('downloads them first when they are not here but can be fetched, and says from where', () => {
    const plan = planTraining(wasm, counts, {}, null, availability('fetchable'));
    expect(plan.config.preset).toBe('mobilenet_v2');
    expect(plan.reasons.join(' ')).toContain(
      'downloaded first (14.3 MB from https://download.pytorch.org/models/mobilenet_v2-7ebf99e0.pth)',
    );
  });

  it('offline and without the file: the small network from scratch, with why and how to add the weights', () => {
    const plan = planTraining(
      wasm,
      counts,
      {},
      null,
      availability('unavailable', 'getaddrinfo ENOTFOUND download.pytorch.org'),
    );
    expect(plan.config).toMatchObject({ preset: 'small', weights: null, lr: 0.01 });
    const line = plan.reasons.find((r) => r.startsWith('Trains from scratch'))!;
    expect(line).toContain('ENOTFOUND');
    expect(line).toContain('https://download.pytorch.org/models/mobilenet_v2-7ebf99e0.pth');
    expect(line).toContain('Import weights file');
  });

  it('on a GPU: the ResNet of the dataset size with its weights; the user can still choose scratch', () => {
    const r50 = planTraining(gpu, { ...counts, train: 400 }, {}, null, availability('cached'));
    expect(r50.config).toMatchObject({
      preset: 'resnet50',
      weights: { id: 'resnet50-imagenet1k-v1' },
      lr: fineTuneLr(8),
    });
    const scratch = planTraining(gpu, counts, { weights: null }, null, availability('cached'));
    expect(scratch.config).toMatchObject({ preset: 'resnet18', weights: null, lr: 0.01 });
    expect(scratch.reasons.join(' ')).toContain('from scratch (your setting)');
    // On a CPU, "scratch" means the network made for it.
    expect(planTraining(wasm, counts, { weights: null }, null, availability('cached')).config.preset).toBe(
      'small',
    );
  });

  it('refuses weights that do not fit the network or are not the published file', () => {
    const r18 = pretrainedFor('resnet18')!;
    const wrongNet = planTraining(wasm, counts, {
      preset: 'small',
      weights: { id: r18.id, sha256: r18.sha256 },
    });
    expect(wrongNet.blocker).toContain('fit the resnet18 network, not small');
    const wrongHash = planTraining(gpu, counts, { weights: { id: r18.id, sha256: '0'.repeat(64) } });
    expect(wrongHash.blocker).toContain('not the published file');
  });

  it('a run record holds the weights by name and hash, and gives back the same settings', () => {
    const plan = planTraining(wasm, counts, { seed: 7 }, null, availability('cached'));
    const record = JSON.parse(JSON.stringify(plan.config)) as unknown;
    const again = planTraining(wasm, counts, TrainConfig.parse(record), null, availability('cached'));
    expect(again.config).toEqual(plan.config);
    expect(again.blocker).toBeNull();
  });
});
