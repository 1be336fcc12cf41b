import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Assigner, type ModelInfo } from '../shared/api/training';
import { AppError } from '../shared/errors';
import type { ModelRow } from '../store/training';
import type { ModelMeta } from '../training/checkpoint';
import type { ProjectSession } from './session';

/** A model row with its folder resolved and its manifest read (classes, detector settings). */
export interface ResolvedModel {
  row: ModelRow;
  dir: string;
  meta: ModelMeta;
}

export function resolveModel(session: ProjectSession, modelId: number): ResolvedModel {
  const row = session.store.training.model(modelId);
  if (!row) throw new AppError('not_found', `Model ${modelId} does not exist`);
  const dir = path.resolve(session.dataDir, row.path);
  let meta: ModelMeta;
  try {
    meta = (JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as { meta: ModelMeta }).meta;
  } catch (e) {
    throw new AppError(
      'io_error',
      `The files of model ${modelId} are missing or damaged (${dir}): ${(e as Error).message}`,
    );
  }
  return { row, dir, meta };
}

export function toModelInfo(row: ModelRow, bestF1: ModelInfo['bestF1'] = null): ModelInfo {
  const config = row.config ? (JSON.parse(row.config) as { assigner?: string; refine?: boolean }) : {};
  const metrics = row.metrics ? (JSON.parse(row.metrics) as { AP?: number; AP50?: number }) : {};
  const assigner = Assigner.safeParse(config.assigner);
  return {
    id: row.id,
    runId: row.runId ?? 0,
    name: row.name ?? `Model ${row.id}`,
    createdAt: row.createdAt,
    assigner: assigner.success ? assigner.data : 'dw',
    refine: config.refine === true && config.assigner !== 'fcos',
    AP: metrics.AP ?? null,
    AP50: metrics.AP50 ?? null,
    bestF1,
  };
}
