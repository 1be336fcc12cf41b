import type { Handlers } from '../shared/contract';
import type { ServiceContext } from './context';
import { exportDataset } from './datasetExport';
import { importDataset, previewImport, undoDatasetImport } from './datasetImport';

type DatasetHandlers = Pick<
  Handlers,
  'dataset.preview' | 'dataset.import' | 'dataset.undoImport' | 'dataset.export'
>;

export function datasetHandlers(ctx: ServiceContext): DatasetHandlers {
  return {
    'dataset.preview': (input) => previewImport(ctx, ctx.project(), input),
    'dataset.import': (input) => importDataset(ctx, ctx.project(), input),
    'dataset.undoImport': ({ id }) => undoDatasetImport(ctx, ctx.project(), id),
    'dataset.export': (input) => exportDataset(ctx, ctx.project(), input),
  };
}
