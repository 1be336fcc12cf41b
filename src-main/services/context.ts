import { AppError } from '../shared/errors';
import type { EventHub } from './events';
import type { ServicesOptions } from './index';
import type { ProjectSession } from './session';

/** What every use case shares: options, the event hub and the open project. */
export class ServiceContext {
  readonly options: ServicesOptions;
  readonly events: EventHub;
  #session: ProjectSession | null = null;
  readonly #beforeClose: Array<(session: ProjectSession) => Promise<void>> = [];

  constructor(options: ServicesOptions, events: EventHub) {
    this.options = options;
    this.events = events;
  }

  get current(): ProjectSession | null {
    return this.#session;
  }

  set current(s: ProjectSession | null) {
    this.#session = s;
  }

  /** The open project, or the 'no_project' error the UI turns into "open a project first". */
  project(): ProjectSession {
    if (!this.#session) throw new AppError('no_project', 'No project is open: create or open one first');
    return this.#session;
  }

  /** Work to finish before a project closes (e.g. stop its training run after a checkpoint). */
  onBeforeClose(hook: (session: ProjectSession) => Promise<void>): void {
    this.#beforeClose.push(hook);
  }

  async beforeClose(session: ProjectSession): Promise<void> {
    for (const hook of this.#beforeClose) await hook(session);
  }

  projectChanged(): void {
    this.events.emit('project.changed', { project: this.#session?.info() ?? null });
  }

  imagesChanged(ids: number[] | null): void {
    this.events.emit('images.changed', { ids });
  }

  classesChanged(): void {
    this.events.emit('classes.changed', {});
  }
}
