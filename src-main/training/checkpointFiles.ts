// Where checkpoints live, without TensorFlow.js: the main process asks "can this run resume, and from
// which step?" and must not load tfjs for that (it does no tensor work).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** Complete checkpoints (with a manifest), oldest first. */
export function listCheckpoints(runDir: string): string[] {
  const root = path.join(runDir, 'checkpoints');
  let names: string[];
  try {
    names = readdirSync(root).filter((n) => n.startsWith('step-'));
  } catch {
    return [];
  }
  return names
    .sort()
    .map((n) => path.join(root, n))
    .filter((dir) => {
      try {
        readFileSync(path.join(dir, 'manifest.json'));
        return true;
      } catch {
        return false;
      }
    });
}

/** The step of a checkpoint folder (`step-00000200` → 200). */
export function checkpointStep(dir: string): number {
  const m = /step-(\d+)$/.exec(dir);
  if (!m) throw new Error(`not a checkpoint folder: ${dir}`);
  return Number(m[1]);
}
