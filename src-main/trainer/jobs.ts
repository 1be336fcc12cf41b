// The trainer's jobs besides training: evaluate, predict and inspect a saved model, on the replicas.
import { readFileSync } from 'node:fs';
import { resizeLongSide } from '../imaging/letterbox';
import { MODEL_FORMAT, readManifest } from '../training/runFiles';
import {
  Snapshot,
  type Detection,
  type JobOf,
  type JobResult,
  type SkippedImage,
} from '../training/protocol';
import { loadModel, type ModelMeta } from './checkpoint';
import { detectAcross } from './inference';
import { packPixels, sampleTarget } from './pipeline';
import type { Replicas } from './replicas';
import { evaluateSnapshot } from './validate';

export function readSnapshot(file: string): Snapshot {
  return Snapshot.parse(JSON.parse(readFileSync(file, 'utf8')));
}

export interface JobIo {
  progress(done: number, total: number, label: string): void;
  detections(dets: Detection[]): void;
  skipped(image: SkippedImage): void;
  cancelled(): boolean;
}

/** Loads a saved model into every replica (kept there while the next job asks for the same one). */
async function useModel(replicas: Replicas, dir: string): Promise<ModelMeta> {
  const manifest = readManifest<ModelMeta>(dir, MODEL_FORMAT);
  if ((await replicas.call(0, { op: 'holds', key: dir })).loaded) return manifest.meta;
  const { weights, meta } = loadModel(dir);
  await replicas.load(meta.detector, { kind: 'weights', weights, key: dir }, null);
  return meta;
}

export async function predictJob(
  job: JobOf<'predict'>,
  replicas: Replicas,
  io: JobIo,
): Promise<JobResult<'predict'>> {
  const meta = await useModel(replicas, job.modelDir);
  const size = meta.detector.inputSize;
  const skipped: SkippedImage[] = [];
  let count = 0;
  await detectAcross(replicas, job.images, size, {
    load: (im) => resizeLongSide(im.path, size),
    cancelled: io.cancelled,
    onSkipped: (im) => {
      skipped.push(im);
      io.skipped(im);
    },
    onChunk: (done, dets) => {
      const kept = dets.filter((d) => d.score >= job.scoreThreshold);
      count += kept.length;
      io.detections(kept);
      io.progress(done, job.images.length, 'Predicting');
    },
  });
  return { images: job.images.length, detections: count, skipped };
}

export async function evaluateJob(
  job: JobOf<'evaluate'>,
  replicas: Replicas,
  io: JobIo,
): Promise<JobResult<'evaluate'>> {
  const meta = await useModel(replicas, job.modelDir);
  const size = meta.detector.inputSize;
  const snapshot = readSnapshot(job.snapshotPath);
  const { detections, done } = await detectAcross(replicas, snapshot.val, size, {
    load: (im) => resizeLongSide(im.path, size),
    cancelled: io.cancelled,
    onSkipped: io.skipped,
    onChunk: (n, dets) => {
      io.detections(dets);
      io.progress(n, snapshot.val.length, 'Evaluating');
    },
  });
  const looked = new Set(done);
  const images = snapshot.val.filter((im) => looked.has(im.id));
  const result = evaluateSnapshot(images, detections, meta.classes.length);
  return {
    AP: result.summary.AP,
    AP50: result.summary.AP50,
    AP75: result.summary.AP75,
    perClass: result.perClass.map((c) => ({ classIndex: c.classId, AP: c.AP, AP50: c.AP50 })),
    images: images.length,
  };
}

/** The maps of one box on the image as the network saw it. */
export async function inspectJob(job: JobOf<'inspect'>, replicas: Replicas): Promise<JobResult<'inspect'>> {
  const meta = await useModel(replicas, job.modelDir);
  const size = meta.detector.inputSize;
  const resized = await resizeLongSide(job.image.path, size);
  const target = sampleTarget({ ...job.image, boxes: job.boxes, labels: job.labels }, resized, false);
  // Square, as the Inspect view maps the network's grid back onto the image.
  const pixels = packPixels([{ resized, flip: false }], size, [size, size]);
  const { inspection } = await replicas.call(0, {
    op: 'inspect',
    pixels,
    target,
    boxIndex: job.boxIndex,
  });
  return { inputSize: size, scale: resized.scaleX, maps: inspection };
}
