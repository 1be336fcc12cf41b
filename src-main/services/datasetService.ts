import type { Handlers } from '../shared/contract';
import type { ServiceContext } from './context';
import { exportDataset } from './datasetExport';
import { importDataset } from './datasetImport';

type DatasetHandlers = Pick<Handlers, 'dataset.import' | 'dataset.export'>;

export function datasetHandlers(ctx: ServiceContext): DatasetHandlers {
  return {
    'dataset.import': (input) => importDataset(ctx, ctx.project(), input),
    'dataset.export': (input) => exportDataset(ctx, ctx.project(), input),
  };
}
