import { AppError } from '../shared/errors';
import type { EventHub } from './events';
import type { ServicesOptions } from './index';
import type { ProjectSession } from './session';

/** What every use case shares: options, the event hub and the open project. */
export class ServiceContext {
  readonly options: ServicesOptions;
  readonly events: EventHub;
  #session: ProjectSession | null = null;

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
