import { probeCompute } from '../compute/probeCompute';
import { kindOf } from '../formats/fsCheck';
import type { PickPurpose } from '../shared/api/app';
import type { ComputeReport } from '../shared/api/system';
import type { Handlers } from '../shared/contract';
import { AppError } from '../shared/errors';
import { boxHandlers } from './boxService';
import { classHandlers } from './classService';
import { ServiceContext } from './context';
import { datasetHandlers } from './datasetService';
import { EventHub } from './events';
import { resolveImage, type ServedImage } from './imageFiles';
import { imageHandlers } from './imageService';
import { openSampleProject } from './sampleProject';
import { inspectHandlers } from './inspectService';
import { predictionHandlers } from './predictionService';
import { reviewHandlers } from './reviewService';
import { TrainerHost } from './trainerHost';
import { TrainingService, trainingHandlers } from './trainingService';
import { WeightsService, weightsHandlers, type WeightsOptions } from './weightsService';
import type { SpawnTrainer } from '../training/jobHost';
import { useSqliteBinding } from '../store/database';
import { closeCurrent, projectHandlers } from './projectService';
import { SettingsService } from './settingsService';
import { systemInfo, type SystemFacts } from './system';

export interface ServicesOptions extends SystemFacts {
  /** Per-user app data (recent projects, settings): Electron's userData, or ~/.config/dw-studio. */
  userDataDir: string;
  /** Native file dialogs, supplied by the desktop shell; serve mode has none. */
  dialogs?: { pickPath(purpose: PickPurpose): Promise<string[] | null> };
  /** Which compute backend training would use (child processes; the default probes this machine). */
  probeCompute?: () => Promise<ComputeReport>;
  /** Starts the trainer process (child_process.fork in serve and CLI modes, utilityProcess on the desktop). */
  spawnTrainer?: SpawnTrainer;
  /** The app's resources folder (the sample project lives there). */
  resourcesDir?: string;
  /** The built module an exported model ships with (dist/deploy/detector.mjs). */
  deployModule?: string;
  /** The ImageNet weights files known and where to fetch them (default: the published ones). */
  weights?: WeightsOptions;
  /** better-sqlite3's addon built for this runtime (`npm start` builds one for Electron); default: the package's. */
  sqliteBinding?: string;
}

export interface Services {
  handlers: Handlers;
  events: EventHub;
  /**
   * An image or thumbnail of the open project (its file and content type), or null: the image routes
   * serve nothing else, and nothing that is no longer the file that was added.
   */
  resolveImage(kind: 'image' | 'thumb', imageId: number): Promise<ServedImage | null>;
  /** Resolves when background work (file checks, thumbnails) has settled; for tests and the CLI. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

/** The composition of every use case; the same object backs the desktop app, serve mode and the tests. */
export function createServices(options: ServicesOptions): Services {
  if (options.sqliteBinding) useSqliteBinding(options.sqliteBinding);
  const events = new EventHub();
  const ctx = new ServiceContext(options, events);
  const settings = new SettingsService(options.userDataDir);
  const trainer = new TrainerHost(options.spawnTrainer, () => settings.get().computeWorkers);
  const weights = new WeightsService(options.userDataDir, events, options.weights);
  const training = new TrainingService(ctx, trainer, weights);
  ctx.onBeforeClose((session) => training.stopFor(session));
  // Probed once, on first use; a failed probe is retried on the next call.
  let compute: Promise<ComputeReport | null> | null = null;
  const computeReport = () =>
    (compute ??= (options.probeCompute ?? probeCompute)().catch(() => {
      compute = null;
      return null;
    }));
  const handlers: Handlers = {
    // The trainer's own report once it runs (what training really uses), else the probe's.
    'system.info': async () => systemInfo(options, trainer.lastCompute ?? (await computeReport())),
    'app.pickPath': async ({ purpose }) => {
      if (!options.dialogs) throw new AppError('unsupported', 'Native dialogs exist only in the desktop app');
      const paths = await options.dialogs.pickPath(purpose);
      return paths ? { paths } : null;
    },
    'files.kind': async ({ path }) => {
      const kind = await kindOf(path);
      return kind === null ? 'missing' : kind === 'dir' ? 'folder' : 'file';
    },
    'settings.get': () => settings.get(),
    'settings.update': (change) => settings.update(change),
    ...projectHandlers(ctx),
    ...imageHandlers(ctx),
    ...boxHandlers(ctx),
    ...classHandlers(ctx),
    ...datasetHandlers(ctx),
    ...trainingHandlers(ctx, training),
    ...weightsHandlers(weights),
    ...predictionHandlers(ctx, trainer),
    ...reviewHandlers(ctx),
    ...inspectHandlers(ctx, trainer),
    'project.openSample': () => openSampleProject(ctx, handlers),
  };
  return {
    handlers,
    events,
    resolveImage: (kind, id) => resolveImage(ctx, kind, id),
    idle: async () => ctx.current?.idle(),
    close: async () => {
      await closeCurrent(ctx);
      await trainer.dispose();
    },
  };
}
