import { existsSync } from 'node:fs';
import cliProgress from 'cli-progress';
import { createServices, type Services } from '../services';
import { projectFilePath } from '../services/projectPaths';
import type { ProjectInfo } from '../shared/api/project';
import type { EventPayload, MethodInput, MethodName, MethodOutput } from '../shared/contract';
import { AppError } from '../shared/errors';
import { createDispatch } from '../transport/dispatch';
import { cliTrainer, deployModuleFile, packageVersion, userDataDir } from './paths';

/** The services for one command, with calls validated exactly as the app's own. */
export interface CliSession {
  services: Services;
  call<M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodOutput<M>>;
  close(): Promise<void>;
}

/** `trainer`: the commands that train or run a model get the trainer process, as the app does. */
export function startSession(opts: { trainer?: boolean } = {}): CliSession {
  const services = createServices({
    appVersion: packageVersion(),
    mode: 'serve',
    userDataDir: userDataDir(),
    deployModule: deployModuleFile(),
    ...(opts.trainer ? { spawnTrainer: cliTrainer() } : {}),
  });
  const dispatch = createDispatch(services.handlers);
  const stopBar = showProgress(services);
  return {
    services,
    async call(method, input) {
      const r = await dispatch(method, input, { transport: 'direct' });
      if (!r.ok) throw new AppError(r.error.code, r.error.message);
      return r.value as never;
    },
    async close() {
      stopBar();
      await services.close();
    },
  };
}

/** Opens the project, or creates it when `create` and there is no such file yet. */
export async function openProject(
  session: CliSession,
  project: string,
  create: boolean,
): Promise<{ info: ProjectInfo; created: boolean }> {
  const file = projectFilePath(project);
  if (existsSync(file)) return { info: await session.call('project.open', { path: file }), created: false };
  if (!create) throw new AppError('not_found', `No project file at ${file}`);
  return { info: await session.call('project.create', { path: file }), created: true };
}

/** A progress bar on stderr for long tasks, when stderr is a terminal (never in logs or pipes). */
function showProgress(services: Services): () => void {
  if (!process.stderr.isTTY) return () => {};
  let bar: cliProgress.SingleBar | null = null;
  const unsubscribe = services.events.subscribe((name, payload) => {
    if (name !== 'task.progress') return;
    const p = payload as EventPayload<'task.progress'>;
    if (p.total === null) return;
    if (!bar) {
      bar = new cliProgress.SingleBar(
        { stream: process.stderr, format: `${p.label} [{bar}] {value}/{total}`, hideCursor: true },
        cliProgress.Presets.shades_classic,
      );
      bar.start(p.total, p.done);
    }
    bar.setTotal(p.total);
    bar.update(p.done);
    if (p.state !== 'running') {
      bar.stop();
      bar = null;
    }
  });
  return () => {
    (bar as cliProgress.SingleBar | null)?.stop();
    unsubscribe();
  };
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
