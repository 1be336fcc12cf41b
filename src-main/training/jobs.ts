// The trainer's jobs besides training: evaluate, predict and inspect a saved model.
import { readFileSync } from 'node:fs';
import { inspectAssignment, type AssignmentInspection } from '../detector/inspect';
import {
  createDetector,
  disposeDetector,
  forward,
  importWeights,
  pointsFor,
  type Detector,
} from '../detector/model';
import { tidy } from '../detector/tensorOps';
import { tf } from '../detector/tf';
import type { Tensor4D } from '../detector/tf';
import { letterbox } from '../imaging/letterbox';
import { loadModel, type ModelMeta } from './checkpoint';
import { detectImages } from './inference';
import { Snapshot, type Detection, type JobSpec } from './protocol';
import { evaluateSnapshot } from './validate';

interface LoadedModel {
  dir: string;
  det: Detector;
  meta: ModelMeta;
}

let cached: LoadedModel | null = null;

/** The model in `dir`, kept loaded between jobs (Inspect asks for one box after another). */
export function useModel(dir: string): LoadedModel {
  if (cached?.dir === dir) return cached;
  const { weights, meta } = loadModel(dir);
  const det = createDetector(meta.detector);
  try {
    importWeights(det, weights);
  } catch (e) {
    disposeDetector(det);
    throw e;
  } finally {
    tf.dispose([...weights.values()]);
  }
  if (cached) disposeDetector(cached.det);
  cached = { dir, det, meta };
  return cached;
}

export function readSnapshot(file: string): Snapshot {
  return Snapshot.parse(JSON.parse(readFileSync(file, 'utf8')));
}

export interface JobIo {
  progress(done: number, total: number, label: string): void;
  detections(dets: Detection[]): void;
  cancelled(): boolean;
}

export async function predictJob(job: Extract<JobSpec, { kind: 'predict' }>, io: JobIo) {
  const { det } = useModel(job.modelDir);
  let count = 0;
  await detectImages(det, job.images, {
    cancelled: io.cancelled,
    onBatch: (done, dets) => {
      const kept = dets.filter((d) => d.score >= job.scoreThreshold);
      count += kept.length;
      io.detections(kept);
      io.progress(done, job.images.length, 'Predicting');
    },
  });
  return { images: job.images.length, detections: count };
}

export async function evaluateJob(job: Extract<JobSpec, { kind: 'evaluate' }>, io: JobIo) {
  const { det, meta } = useModel(job.modelDir);
  const snapshot = readSnapshot(job.snapshotPath);
  const dets = await detectImages(det, snapshot.val, {
    cancelled: io.cancelled,
    onBatch: (done, batch) => {
      io.detections(batch);
      io.progress(done, snapshot.val.length, 'Evaluating');
    },
  });
  return evaluateSnapshot(snapshot.val, dets, meta.classes.length);
}

/** What an inspect job returns: the maps of one box on the image as the network saw it. */
export interface InspectJobResult {
  inputSize: number;
  /** Network pixels per image pixel. */
  scale: number;
  maps: AssignmentInspection;
}

export async function inspectJob(job: Extract<JobSpec, { kind: 'inspect' }>): Promise<InspectJobResult> {
  const { det } = useModel(job.modelDir);
  const size = det.cfg.inputSize;
  const lb = await letterbox(job.image.path, size, false);
  const boxesXYXY = new Float32Array(job.boxes.length * 4);
  job.boxes.forEach(([x, y, w, h], i) =>
    boxesXYXY.set([x * lb.scaleX, y * lb.scaleY, (x + w) * lb.scaleX, (y + h) * lb.scaleY], i * 4),
  );
  const input = tf.tensor4d(lb.data, [1, size, size, 3]) as Tensor4D;
  const outputs = tidy(() => forward(det, input));
  try {
    const points = pointsFor(det.cfg, size, size);
    const maps = await inspectAssignment(
      outputs,
      points,
      { boxesXYXY, labels: Int32Array.from(job.labels) },
      job.boxIndex,
    );
    return { inputSize: size, scale: lb.scaleX, maps };
  } finally {
    tf.dispose([input, outputs.clsLogits, outputs.ctrLogits, outputs.ltrb]);
  }
}
