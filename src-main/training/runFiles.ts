// The one place that knows how a run's folder is laid out, without TensorFlow.js: the trainer writes
// there, and the main side asks "can this run resume, and from which step?" and reads a model's
// manifest (it does no tensor work).
//
//   <project data>/runs/<run id>/
//     snapshot.json                  the frozen dataset the run trains on
//     checkpoints/step-00000200/     weights + momentum (weights.bin) and manifest.json, written last
//     model/                         the trained model: weights.bin and manifest.json
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Assigner, Preset } from '../shared/api/training';

export const MANIFEST_FILE = 'manifest.json';
export const WEIGHTS_FILE = 'weights.bin';
export const CHECKPOINT_FORMAT = 'dw-studio-checkpoint/1';
export const MODEL_FORMAT = 'dw-studio-model/1';

const CHECKPOINT_PREFIX = 'step-';

export function runDirOf(projectDataDir: string, runId: number): string {
  return path.join(projectDataDir, 'runs', String(runId));
}

export function snapshotFileOf(runDir: string): string {
  return path.join(runDir, 'snapshot.json');
}

export function modelDirOf(runDir: string): string {
  return path.join(runDir, 'model');
}

export function checkpointDirOf(runDir: string, step: number): string {
  return path.join(runDir, 'checkpoints', `${CHECKPOINT_PREFIX}${String(step).padStart(8, '0')}`);
}

/** The step of a checkpoint folder (`step-00000200` → 200). */
export function checkpointStep(dir: string): number {
  const name = path.basename(dir);
  const step = Number(name.slice(CHECKPOINT_PREFIX.length));
  if (!name.startsWith(CHECKPOINT_PREFIX) || !Number.isInteger(step))
    throw new Error(`not a checkpoint folder: ${dir}`);
  return step;
}

/** Complete checkpoints (with a manifest), oldest first. */
export function listCheckpoints(runDir: string): string[] {
  const root = path.dirname(checkpointDirOf(runDir, 0));
  let names: string[];
  try {
    names = readdirSync(root).filter((n) => n.startsWith(CHECKPOINT_PREFIX));
  } catch {
    return [];
  }
  return names
    .sort()
    .map((n) => path.join(root, n))
    .filter((dir) => {
      try {
        readFileSync(path.join(dir, MANIFEST_FILE));
        return true;
      } catch {
        return false;
      }
    });
}

/** The step of the run's latest complete checkpoint, or null when it has none. */
export function latestCheckpointStep(runDir: string): number | null {
  const latest = listCheckpoints(runDir).pop();
  return latest === undefined ? null : checkpointStep(latest);
}

/** What the main side reads of a saved model's detector settings (the trainer stores them whole). */
export interface SavedDetector {
  preset: Preset;
  assigner: Assigner;
  refine: boolean;
  inputSize: number;
  numClasses: number;
}

export interface ModelMeta<D extends SavedDetector = SavedDetector> {
  detector: D;
  classes: Array<{ id: number; name: string }>;
  trainedSteps: number;
  createdAt: string;
}

export interface CheckpointMeta<D extends SavedDetector = SavedDetector> {
  step: number;
  /** Steps of the whole run: the learning-rate schedule is a function of step and this alone. */
  totalSteps: number;
  elapsedSec: number;
  detector: D;
  classes: Array<{ id: number; name: string }>;
}

export interface SavedManifest<M> {
  format: string;
  weightsManifest: Array<{ paths: string[]; weights: unknown[] }>;
  meta: M;
}

/** The manifest of a saved model or checkpoint; throws with the folder named when it is missing or foreign. */
export function readManifest<M>(dir: string, format: string): SavedManifest<M> {
  const manifest = JSON.parse(readFileSync(path.join(dir, MANIFEST_FILE), 'utf8')) as SavedManifest<M>;
  if (manifest.format !== format) throw new Error(`${dir}: not a ${format} (format ${manifest.format})`);
  return manifest;
}
