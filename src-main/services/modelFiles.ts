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

/** The model's row; a model that does not exist is a 'not_found' error. */
export function requireModel(session: ProjectSession, modelId: number): ModelRow {
  const row = session.store.training.model(modelId);
  if (!row) throw new AppError('not_found', `Model ${modelId} does not exist`);
  return row;
}

/** A model with a network to run (predict, inspect, export); an imported one has none. */
export function resolveModel(session: ProjectSession, modelId: number): ResolvedModel {
  const row = requireModel(session, modelId);
  if (row.source === 'imported') {
    throw new AppError(
      'unsupported',
      `Model ${modelId} (${row.name ?? 'imported'}) holds the detections imported from ${row.origin ?? 'a results file'}: ` +
        'it has no network to run',
    );
  }
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

export function toModelInfo(row: ModelRow, bestF1: ModelInfo['bestF1'] = null): ModelInfo {
  const metrics = row.metrics ? (JSON.parse(row.metrics) as { AP?: number; AP50?: number }) : {};
  const common = {
    id: row.id,
    name: row.name ?? `Model ${row.id}`,
    createdAt: row.createdAt,
    source: row.source,
    origin: row.origin,
    AP: metrics.AP ?? null,
    AP50: metrics.AP50 ?? null,
    bestF1,
  };
  if (row.source === 'imported') return { ...common, runId: null, assigner: null, refine: null };
  const config = TrainConfig.safeParse(row.config ? JSON.parse(row.config) : {});
  const settings = runSettings(config.success ? config.data : TrainConfig.parse({}));
  return { ...common, runId: row.runId ?? 0, assigner: settings.assigner, refine: settings.refine };
}
