// Checkpoints and saved models: weights (and optimizer slots) as one tf.io weights file plus a JSON
// manifest, in the folders `training/runFiles` lays out. The JSON is written last through a rename,
// so a crash mid-write leaves the previous checkpoint intact: a folder without its manifest is not a
// checkpoint.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { DetectorConfig } from '../detector/config';
import { tf } from '../detector/tf';
import type { Tensor } from '../detector/tf';
import {
  CHECKPOINT_FORMAT,
  checkpointDirOf,
  listCheckpoints,
  MANIFEST_FILE,
  MODEL_FORMAT,
  readManifest,
  WEIGHTS_FILE,
  type CheckpointMeta as SavedCheckpointMeta,
  type ModelMeta as SavedModelMeta,
  type SavedManifest,
} from '../training/runFiles';

export type CheckpointMeta = SavedCheckpointMeta<DetectorConfig>;
export type ModelMeta = SavedModelMeta<DetectorConfig>;

async function writeWeights<M>(
  dir: string,
  format: string,
  tensors: Map<string, Tensor>,
  meta: M,
): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const named = [...tensors].map(([name, tensor]) => ({ name, tensor }));
  const { data, specs } = await tf.io.encodeWeights(named);
  const bytes = Buffer.from(Array.isArray(data) ? tf.io.CompositeArrayBuffer.join(data) : data);
  writeFileSync(path.join(dir, `${WEIGHTS_FILE}.tmp`), bytes);
  renameSync(path.join(dir, `${WEIGHTS_FILE}.tmp`), path.join(dir, WEIGHTS_FILE));
  const manifest: SavedManifest<M> = {
    format,
    weightsManifest: [{ paths: [WEIGHTS_FILE], weights: specs }],
    meta,
  };
  writeFileSync(path.join(dir, `${MANIFEST_FILE}.tmp`), JSON.stringify(manifest));
  renameSync(path.join(dir, `${MANIFEST_FILE}.tmp`), path.join(dir, MANIFEST_FILE));
}

function readWeights<M>(dir: string, format: string): { tensors: Record<string, Tensor>; meta: M } {
  const manifest = readManifest<M>(dir, format);
  const buf = readFileSync(path.join(dir, WEIGHTS_FILE));
  const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
  const specs = manifest.weightsManifest[0]!.weights as tf.io.WeightsManifestEntry[];
  const tensors = tf.io.decodeWeights(ab, specs) as Record<string, Tensor>;
  return { tensors, meta: manifest.meta };
}

const SLOT_PREFIX = '__optimizer__/';

/** Writes weights and momentum slots of `meta.step` into the run's checkpoint folder, keeping the last two. */
export async function saveCheckpoint(
  runDir: string,
  weights: Map<string, Tensor>,
  slots: Map<string, Tensor>,
  meta: CheckpointMeta,
): Promise<string> {
  const dir = checkpointDirOf(runDir, meta.step);
  const all = new Map(weights);
  for (const [name, t] of slots) all.set(SLOT_PREFIX + name, t);
  await writeWeights(dir, CHECKPOINT_FORMAT, all, meta);
  for (const old of listCheckpoints(runDir).slice(0, -2)) rmSync(old, { recursive: true, force: true });
  return dir;
}

export interface LoadedCheckpoint {
  weights: Map<string, Tensor>;
  slots: Map<string, Tensor>;
  meta: CheckpointMeta;
  dir: string;
}

export function loadCheckpoint(dir: string): LoadedCheckpoint {
  const { tensors, meta } = readWeights<CheckpointMeta>(dir, CHECKPOINT_FORMAT);
  const weights = new Map<string, Tensor>();
  const slots = new Map<string, Tensor>();
  for (const [name, t] of Object.entries(tensors)) {
    if (name.startsWith(SLOT_PREFIX)) slots.set(name.slice(SLOT_PREFIX.length), t);
    else weights.set(name, t);
  }
  return { weights, slots, meta, dir };
}

export function saveModel(dir: string, weights: Map<string, Tensor>, meta: ModelMeta): Promise<void> {
  return writeWeights(dir, MODEL_FORMAT, weights, meta);
}

export function loadModel(dir: string): { weights: Map<string, Tensor>; meta: ModelMeta } {
  const { tensors, meta } = readWeights<ModelMeta>(dir, MODEL_FORMAT);
  return { weights: new Map(Object.entries(tensors)), meta };
}
