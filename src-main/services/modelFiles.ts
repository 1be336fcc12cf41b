import path from 'node:path';
import { TrainConfig, type ModelInfo } from '../shared/api/training';
import { AppError } from '../shared/errors';
import { runSettings } from '../shared/runSettings';
import type { ModelRow } from '../store/training';
import { MODEL_FORMAT, readManifest, type ModelMeta } from '../training/runFiles';
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
    meta = readManifest<ModelMeta>(dir, MODEL_FORMAT).meta;
  } catch (e) {
    throw new AppError(
      'io_error',
      `The files of model ${modelId} are missing or damaged (${dir}): ${(e as Error).message}`,
    );
  }
  return { row, dir, meta };
}

export function toModelInfo(row: ModelRow): ModelInfo {
  const config = TrainConfig.safeParse(row.config ? JSON.parse(row.config) : {});
  const metrics = row.metrics ? (JSON.parse(row.metrics) as { AP?: number; AP50?: number }) : {};
  const settings = runSettings(config.success ? config.data : TrainConfig.parse({}));
  return {
    id: row.id,
    runId: row.runId ?? 0,
    name: row.name ?? `Model ${row.id}`,
    createdAt: row.createdAt,
    assigner: settings.assigner,
    refine: settings.refine,
    AP: metrics.AP ?? null,
    AP50: metrics.AP50 ?? null,
  };
}
