// Checkpoints and saved models on disk: the weights (and, for a checkpoint, the optimizer's momentum)
// as one tf.io weights file plus a JSON manifest, in the folders `training/runFiles` lays out. The
// replicas encode and decode the bytes (`weightsIo`); this module only moves them, on the trainer's
// own thread, so a replica never touches the disk (one in a browser could not). The JSON is written
// last through a rename, so a crash mid-write leaves the previous checkpoint intact: a folder without
// its manifest is not a checkpoint.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { DetectorConfig } from '../detector/config';
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
import type { EncodedWeights } from './weightsIo';

export type CheckpointMeta = SavedCheckpointMeta<DetectorConfig>;
export type ModelMeta = SavedModelMeta<DetectorConfig>;

function writeWeights<M>(dir: string, format: string, weights: EncodedWeights, meta: M): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, `${WEIGHTS_FILE}.tmp`), new Uint8Array(weights.data));
  renameSync(path.join(dir, `${WEIGHTS_FILE}.tmp`), path.join(dir, WEIGHTS_FILE));
  const manifest: SavedManifest<M> = {
    format,
    weightsManifest: [{ paths: [WEIGHTS_FILE], weights: weights.specs }],
    meta,
  };
  writeFileSync(path.join(dir, `${MANIFEST_FILE}.tmp`), JSON.stringify(manifest));
  renameSync(path.join(dir, `${MANIFEST_FILE}.tmp`), path.join(dir, MANIFEST_FILE));
}

function readWeights<M>(dir: string, format: string): { weights: EncodedWeights; meta: M } {
  const manifest = readManifest<M>(dir, format);
  const buf = readFileSync(path.join(dir, WEIGHTS_FILE));
  const data = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
  const specs = manifest.weightsManifest[0]!.weights as EncodedWeights['specs'];
  return { weights: { specs, data }, meta: manifest.meta };
}

/** Writes a checkpoint of `meta.step` into the run's checkpoint folder, keeping the last two. */
export function saveCheckpoint(runDir: string, weights: EncodedWeights, meta: CheckpointMeta): string {
  const dir = checkpointDirOf(runDir, meta.step);
  writeWeights(dir, CHECKPOINT_FORMAT, weights, meta);
  for (const old of listCheckpoints(runDir).slice(0, -2)) rmSync(old, { recursive: true, force: true });
  return dir;
}

export function loadCheckpoint(dir: string): { weights: EncodedWeights; meta: CheckpointMeta } {
  return readWeights<CheckpointMeta>(dir, CHECKPOINT_FORMAT);
}

export function saveModel(dir: string, weights: EncodedWeights, meta: ModelMeta): void {
  writeWeights(dir, MODEL_FORMAT, weights, meta);
}

export function loadModel(dir: string): { weights: EncodedWeights; meta: ModelMeta } {
  return readWeights<ModelMeta>(dir, MODEL_FORMAT);
}
