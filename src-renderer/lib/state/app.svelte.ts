import { getContext, setContext } from 'svelte';
import type { PickPurpose, Settings } from '../../../src-main/shared/api/app';
import { DEFAULT_SETTINGS } from '../../../src-main/shared/defaults';
import type { TaskProgress, ViewName } from '../../../src-main/shared/api/events';
import type { ClassInfo, ProjectInfo, RecentProject } from '../../../src-main/shared/api/project';
import type { SystemInfo } from '../../../src-main/shared/api/system';
import type { MethodInput } from '../../../src-main/shared/contract';
import type { ApiClient } from '../api';
import { LibraryState } from './library.svelte';
import { readLocation, writeLocation } from './location';
import { setupProject, type ProjectContents } from './projectSetup';
import { TrainingStatus } from './trainingStatus.svelte';
import { WeightsState } from './weights.svelte';

const KEY = Symbol('app');

/**
 * App-wide state: the view and the open image (kept in the URL hash so reloads keep them), the open
 * project and its classes, settings, running tasks and training, and the user-facing error banner.
 */
export class AppState {
  view = $state<ViewName>(readLocation(window.location.hash).view);
  info = $state.raw<SystemInfo | null>(null);
  project = $state.raw<ProjectInfo | null>(null);
  classes = $state.raw<ClassInfo[]>([]);
  settings = $state.raw<Settings>(DEFAULT_SETTINGS);
  /** Long operations in progress, by task id (from 'task.progress' events). */
  tasks = $state.raw<TaskProgress[]>([]);
  /** A message for the user about something that failed; shown until dismissed. */
  error = $state<string | null>(null);
  showShortcuts = $state(false);
  #currentImageId = $state<number | null>(readLocation(window.location.hash).image);
  /** The class the next drawn box gets, for the session (number keys and the class list set it). */
  drawClassId = $state<number | null>(null);
  /** Review's score threshold, kept while the app is open. */
  reviewThreshold = $state(0.3);
  /**
   * The model whose predictions Annotate shows as suggestions, as chosen in this session (null: none);
   * 'auto' until the user chooses: then each image shows the newest model that has predictions for it.
   */
  suggestionModel = $state<number | null | 'auto'>('auto');
  /** The score from which suggestions are drawn, as the user set it (null: the model's best-F1 score). */
  suggestionThreshold = $state<number | null>(null);
  /** The labeled box Inspect shows (set by right-clicking a box in Annotate). */
  inspectTarget = $state.raw<{ imageId: number; boxId: number } | null>(null);
  ready = $state(false);
  /** A project is being created and filled from the start screen, which stays until it is done. */
  settingUp = $state(false);
  /** A message for the Library to show once (what a project made from the start screen received). */
  notice = $state<string | null>(null);
  readonly library: LibraryState;
  readonly training: TrainingStatus;
  readonly weights: WeightsState;

  constructor(readonly api: ApiClient) {
    this.library = new LibraryState(api);
    this.training = new TrainingStatus(api);
    this.weights = new WeightsState(api);
    window.addEventListener('hashchange', () => {
      const l = readLocation(window.location.hash);
      this.view = l.view;
      if (l.image !== null) this.#currentImageId = l.image;
    });
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
    api.on('images.changed', ({ ids }) => {
      if (!this.project) return;
      // A few rows changed (a box edit, a status): patched where they are; anything else, reloaded.
      if (ids) this.library.refreshRows(ids);
      else void this.library.reload().catch(() => {});
    });
    api.on('task.progress', (t) => {
      const others = this.tasks.filter((x) => x.taskId !== t.taskId);
      this.tasks = t.state === 'running' ? [...others, t] : others;
      // A caller that explains the failure in its own words (quoting the task's message) keeps them.
      if (t.state === 'failed' && t.message && !this.error?.includes(t.message)) this.error = t.message;
    });
  }

  /** The image Annotate shows (an id; its position comes from the Library list), kept in the URL. */
  get currentImageId(): number | null {
    return this.#currentImageId;
  }

  set currentImageId(id: number | null) {
    this.#currentImageId = id;
    const hash = writeLocation({ view: this.view, image: id });
    if (window.location.hash !== hash) window.history.replaceState(null, '', hash);
  }

  inspect(imageId: number, boxId: number): void {
    this.inspectTarget = { imageId, boxId };
    this.navigate('inspect');
  }

  navigate(view: ViewName): void {
    const hash = writeLocation({ view, image: this.#currentImageId });
    if (window.location.hash !== hash) window.location.hash = hash;
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

  /**
   * The first screen in one round trip: the open project, its classes and the Library's first page
   * are asked for together (the page and the classes fail harmlessly when no project is open), and
   * the system facts for the status bar (a compute probe on first use) do not hold the screen up.
   */
  async init(): Promise<void> {
    void this.attempt(() => this.api.call('system.info')).then((info) => info && (this.info = info));
    const firstPage = this.library.reload().then(
      () => true,
      () => false,
    );
    const classes = this.api.call('classes.list').catch(() => null);
    await this.attempt(async () => {
      const [project, settings] = await Promise.all([
        this.api.call('project.current'),
        this.api.call('settings.get'),
      ]);
      this.settings = settings;
      this.project = project;
      if (!project) return;
      const [list, loaded] = await Promise.all([classes, firstPage]);
      if (list) this.classes = list;
      else await this.refreshClasses();
      if (!loaded) await this.library.reload();
      void this.training.refresh();
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

  /** Recently opened projects, for the start screen. */
  async recentProjects(): Promise<RecentProject[]> {
    return (await this.attempt(() => this.api.call('project.recent'))) ?? [];
  }

  /** A native file dialog (desktop only); null when cancelled or it failed (the banner says why). */
  async pickPath(purpose: PickPurpose): Promise<string[] | null> {
    const r = await this.attempt(() => this.api.call('app.pickPath', { purpose }));
    return r?.paths ?? null;
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
    this.drawClassId = null;
    this.suggestionThreshold = null;
    this.training.clear();
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

  /** `keepImage`: the first project of a page load keeps the image its URL names. */
  async #onProjectOpened(keepImage = false): Promise<void> {
    if (!keepImage) this.currentImageId = null;
    this.drawClassId = null;
    this.suggestionModel = 'auto';
    this.suggestionThreshold = null;
    this.library.selection.clear();
    await Promise.all([this.refreshClasses(), this.library.reload(), this.training.refresh()]);
  }

  provide(): void {
    setContext(KEY, this);
  }
}

export function useApp(): AppState {
  return getContext<AppState>(KEY);
}
