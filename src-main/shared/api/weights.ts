import { z } from 'zod';
import { method } from './define';
import { AbsPath } from './project';

/** One published weights file (shared/pretrained.ts) and whether this machine has it. */
export const WeightsEntry = z.object({
  id: z.string(),
  preset: z.enum(['mobilenet_v2', 'resnet18', 'resnet50']),
  title: z.string(),
  fileName: z.string(),
  url: z.string(),
  bytes: z.number().int(),
  sha256: z.string(),
  licence: z.string(),
  source: z.string(),
  imagenetTop1: z.number(),
  /** cached: in the user's weights folder, checked; partial: an interrupted download; missing: neither. */
  state: z.enum(['cached', 'partial', 'missing']),
  /** Bytes of an interrupted download, which the next download resumes from. */
  partialBytes: z.number().int(),
});
export type WeightsEntry = z.infer<typeof WeightsEntry>;

export const WeightsProgress = z.object({
  id: z.string(),
  received: z.number(),
  total: z.number(),
  bytesPerSecond: z.number(),
  state: z.enum(['running', 'done', 'failed']),
  /** Why it failed, with what to do instead (the address to fetch elsewhere, and how to add the file). */
  message: z.string().nullable(),
});
export type WeightsProgress = z.infer<typeof WeightsProgress>;

const WeightsId = z.string().min(1).max(100);

export const weightsMethods = {
  'weights.list': method(
    z.object({}).strict(),
    z.array(WeightsEntry),
    'The ImageNet weights a detector can start from, with their source, licence, hash and whether they are here.',
  ),
  'weights.import': method(
    z.object({ path: AbsPath, id: WeightsId.optional() }).strict(),
    WeightsEntry,
    'Add a weights file fetched elsewhere to the weights folder, after checking its SHA-256.',
  ),
  'weights.download': method(
    z.object({ id: WeightsId }).strict(),
    WeightsEntry,
    'Download weights into the weights folder (resuming an interrupted download); progress arrives as weights.progress events.',
  ),
};

export const weightsEvents = {
  'weights.progress': WeightsProgress,
};
