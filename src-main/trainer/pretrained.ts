// The ImageNet weights a new run starts from: the cached file the host named, checked against the
// SHA-256 the run records (so the run is what its record says), then read as a PyTorch state dict.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { pretrainedById } from '../shared/pretrained';
import type { PretrainedRef } from '../shared/api/training';
import type { StateTensor } from '../shared/stateDict';
import { readTorchStateDict } from '../weights/torchFile';

export function readPretrained(ref: PretrainedRef, file: string | null): Map<string, StateTensor> {
  const title = pretrainedById(ref.id)?.title ?? ref.id;
  if (!file) throw new Error(`This run starts from the ${title} weights, but no weights file was given.`);
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new Error(`Cannot read the ${title} weights (${file}): ${(e as Error).message}`, { cause: e });
  }
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== ref.sha256)
    throw new Error(
      `The ${title} weights file ${file} has SHA-256 ${actual}, but the run starts from ${ref.sha256}: import the right file again (Settings → Import weights file…).`,
    );
  return readTorchStateDict(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}
