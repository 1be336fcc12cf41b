import { getContext, setContext } from 'svelte';
import { DEFAULT_SETTINGS, type Settings } from '../../../src-main/shared/api/app';
import { ViewName, type TaskProgress } from '../../../src-main/shared/api/events';
import type { ClassInfo, ProjectInfo } from '../../../src-main/shared/api/project';
import type { SystemInfo } from '../../../src-main/shared/api/system';
import type { MethodInput } from '../../../src-main/shared/contract';
import type { ApiClient } from '../api';
import { LibraryState } from './library.svelte';
import { setupProject, type ProjectContents } from './projectSetup';

const KEY = Symbol('app');

function viewFromHash(hash: string): ViewName {
  const parsed = ViewName.safeParse(hash.replace(/^#\/?/, '').split('?')[0]);
  return parsed.success ? parsed.data : 'library';
}

/**
 * App-wide state: the view (kept in the URL hash so reloads keep it), the open project and its
 * classes, settings, running tasks, and the user-facing error banner.
 */
export class AppState {
  view = $state<ViewName>(viewFromHash(window.location.hash));
  info = $state.raw<SystemInfo | null>(null);
  project = $state.raw<ProjectInfo | null>(null);
  classes = $state.raw<ClassInfo[]>([]);
  settings = $state.raw<Settings>(DEFAULT_SETTINGS);
  /** Long operations in progress, by task id (from 'task.progress' events). */
  tasks = $state.raw<TaskProgress[]>([]);
  /** A message for the user about something that failed; shown until dismissed. */
  error = $state<string | null>(null);
  showShortcuts = $state(false);
  /** The image Annotate shows (an id; its position comes from the Library list). */
  currentImageId = $state<number | null>(null);
  /**
   * The model whose predictions Annotate shows as suggestions, as chosen in this session (null: none);
   * 'auto' until the user chooses: then each image shows the newest model that has predictions for it.
   */
  suggestionModel = $state<number | null | 'auto'>('auto');
  /** The labeled box Inspect shows (set by right-clicking a box in Annotate). */
  inspectTarget = $state.raw<{ imageId: number; boxId: number } | null>(null);
  ready = $state(false);
  /** A project is being created and filled from the start screen, which stays until it is done. */
  settingUp = $state(false);
  /** A message for the Library to show once (what a project made from the start screen received). */
  notice = $state<string | null>(null);
  readonly library: LibraryState;

  constructor(readonly api: ApiClient) {
    this.library = new LibraryState(api);
    window.addEventListener('hashchange', () => (this.view = viewFromHash(window.location.hash)));
    api.on('app.command', (cmd) => {
      if (cmd.command === 'navigate') this.navigate(cmd.view);
      else if (cmd.command === 'close-project') void this.closeProject();
      else if (cmd.command === 'shortcuts') this.showShortcuts = true;
      else if (cmd.command === 'open-project' || cmd.command === 'new-project') void this.closeProject();
    });
    api.on('project.changed', ({ project }) => {
      const opened = project !== null && project.path !== this.project?.path;
      this.project = project;
      if (opened) void this.#onProjectOpened();
      else if (project === null) this.#onProjectClosed();
    });
    api.on('classes.changed', () => void this.refreshClasses());
    api.on('images.changed', () => {
      if (this.project) void this.library.reload().catch(() => {});
    });
    api.on('task.progress', (t) => {
      const others = this.tasks.filter((x) => x.taskId !== t.taskId);
      this.tasks = t.state === 'running' ? [...others, t] : others;
      // A caller that explains the failure in its own words (quoting the task's message) keeps them.
      if (t.state === 'failed' && t.message && !this.error?.includes(t.message)) this.error = t.message;
    });
  }

  inspect(imageId: number, boxId: number): void {
    this.inspectTarget = { imageId, boxId };
    this.navigate('inspect');
  }

  navigate(view: ViewName): void {
    if (window.location.hash !== `#/${view}`) window.location.hash = `#/${view}`;
    this.view = view;
  }

  /** Runs a call, showing its failure in the banner; returns undefined when it failed. */
  async attempt<T>(fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await fn();
    } catch (e) {
      this.error = e instanceof Error ? e.message : String(e);
      return undefined;
    }
  }

  async init(): Promise<void> {
    await this.attempt(async () => {
      const [info, project, settings] = await Promise.all([
        this.api.call('system.info'),
        this.api.call('project.current'),
        this.api.call('settings.get'),
      ]);
      this.info = info;
      this.settings = settings;
      this.project = project;
      if (project) await this.#onProjectOpened();
    });
    this.ready = true;
  }

  async openProject(path: string): Promise<void> {
    const project = await this.attempt(() => this.api.call('project.open', { path }));
    if (project) await this.#setProject(project);
  }

  async createProject(path: string, name?: string): Promise<void> {
    const project = await this.attempt(() =>
      this.api.call('project.create', name ? { path, name } : { path }),
    );
    if (project) await this.#setProject(project);
  }

  /**
   * A new project with its images, from the start screen: created, filled, then opened in the Library;
   * or, when any step fails, no project open and the reason in the banner.
   */
  async createProjectWith(path: string, contents: ProjectContents): Promise<boolean> {
    this.settingUp = true;
    this.error = null;
    try {
      const r = await setupProject(this.api, path, contents);
      if (!r.ok) {
        this.project = null;
        this.#onProjectClosed();
        this.error = r.message;
        return false;
      }
      this.notice = r.notice;
      await this.#setProject(r.project);
      this.navigate('library');
      return true;
    } finally {
      this.settingUp = false;
    }
  }

  async openSample(): Promise<void> {
    const project = await this.attempt(() => this.api.call('project.openSample'));
    if (project) await this.#setProject(project);
  }

  async closeProject(): Promise<void> {
    await this.attempt(() => this.api.call('project.close'));
    this.project = null;
    this.#onProjectClosed();
  }

  #onProjectClosed(): void {
    this.classes = [];
    this.currentImageId = null;
    this.inspectTarget = null;
    this.library.selection.clear();
    this.suggestionModel = 'auto';
  }

  async refreshProject(): Promise<void> {
    const project = await this.attempt(() => this.api.call('project.current'));
    if (project !== undefined) this.project = project;
  }

  async refreshClasses(): Promise<void> {
    const classes = await this.attempt(() => this.api.call('classes.list'));
    if (classes) this.classes = classes;
  }

  async updateSettings(change: MethodInput<'settings.update'>): Promise<boolean> {
    const settings = await this.attempt(() => this.api.call('settings.update', change));
    if (settings) this.settings = settings;
    return settings !== undefined;
  }

  classById(id: number): ClassInfo | undefined {
    return this.classes.find((c) => c.id === id);
  }

  async #setProject(project: ProjectInfo): Promise<void> {
    this.project = project;
    await this.#onProjectOpened();
  }

  async #onProjectOpened(): Promise<void> {
    this.currentImageId = null;
    this.suggestionModel = 'auto';
    this.library.selection.clear();
    await Promise.all([this.refreshClasses(), this.library.reload()]);
  }

  provide(): void {
    setContext(KEY, this);
  }
}

export function useApp(): AppState {
  return getContext<AppState>(KEY);
}
