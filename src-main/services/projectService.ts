import { mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Handlers } from '../shared/contract';
import { ProjectStore } from '../store/projectStore';
import type { ServiceContext } from './context';
import { MISSING_FILE_PROBLEM as MISSING } from './fileProblems';
import { dataDirFor, PROJECT_EXTENSION, projectFilePath } from './projectPaths';
import { RecentProjects } from './recentProjects';
import { ProjectSession } from './session';

type ProjectHandlers = Pick<
  Handlers,
  'project.create' | 'project.open' | 'project.close' | 'project.current' | 'project.recent' | 'project.stats'
>;

export function projectHandlers(ctx: ServiceContext): ProjectHandlers {
  const recent = new RecentProjects(ctx.options.userDataDir);

  const activate = async (store: ProjectStore, file: string) => {
    const session = new ProjectSession(store, file);
    // Runs marked running belong to an app that stopped mid-training; their checkpoints remain.
    store.training.stopOrphanRuns();
    await mkdir(session.dataDir, { recursive: true });
    ctx.current = session;
    session.background((signal) => checkFiles(ctx, session, signal));
    await recent.add(file, session.store.name()).catch(() => undefined);
    ctx.projectChanged();
    return session.info();
  };

  return {
    'project.create': async ({ path: p, name }) => {
      const file = projectFilePath(p);
      await mkdir(path.dirname(file), { recursive: true });
      let store: ProjectStore;
      try {
        store = ProjectStore.create(file, {
          name: name ?? path.basename(file, PROJECT_EXTENSION),
          appVersion: ctx.options.appVersion,
        });
      } catch (e) {
        if ((e as { code?: string }).code !== 'conflict') {
          await Promise.all(['', '-wal', '-shm'].map((s) => rm(file + s, { force: true })));
        }
        throw e;
      }
      await mkdir(dataDirFor(file), { recursive: true });
      await closeCurrent(ctx);
      return activate(store, file);
    },
    'project.open': async ({ path: p }) => {
      const file = path.resolve(p);
      // Open first: a project that fails to open leaves the current one open.
      const store = ProjectStore.open(file);
      await closeCurrent(ctx);
      return activate(store, file);
    },
    'project.close': async () => {
      await closeCurrent(ctx);
      return null;
    },
    'project.current': () => ctx.current?.info() ?? null,
    'project.recent': () => recent.list(),
    'project.stats': () => ctx.project().store.stats(),
  };
}

export async function closeCurrent(ctx: ServiceContext): Promise<void> {
  const s = ctx.current;
  if (!s) return;
  await ctx.beforeClose(s);
  ctx.current = null;
  await s.close();
  ctx.projectChanged();
}

/**
 * After opening, flags images whose file has gone missing (and clears the flag of those that are back),
 * in the background: a project of tens of thousands of images opens at once, the flags follow.
 */
async function checkFiles(ctx: ServiceContext, session: ProjectSession, signal: AbortSignal): Promise<void> {
  const changes: { id: number; problem: string | null }[] = [];
  for (const img of session.store.images.files()) {
    if (signal.aborted) return;
    const exists = await stat(session.absolutePath(img.path)).then(
      (s) => s.isFile(),
      () => false,
    );
    if (!exists && img.problem === null) changes.push({ id: img.id, problem: MISSING });
    else if (exists && img.problem === MISSING) changes.push({ id: img.id, problem: null });
  }
  if (changes.length === 0 || signal.aborted) return;
  session.store.images.setProblems(changes);
  ctx.imagesChanged(changes.map((c) => c.id));
}
