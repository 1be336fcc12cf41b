import type { Handlers } from '../shared/contract';
import { EventHub } from './events';
import { systemInfo, type SystemFacts } from './system';

export interface ServicesOptions extends SystemFacts {
  /** Per-user app data (recent projects, settings): Electron's userData, or ~/.config/dw-studio. */
  userDataDir: string;
}

export interface Services {
  handlers: Handlers;
  events: EventHub;
  /** Absolute path of an image or thumbnail of the open project, or null: the image protocols serve nothing else. */
  resolveImage(kind: 'image' | 'thumb', imageId: number): Promise<string | null>;
  close(): Promise<void>;
}

/** The composition of every use case; the same object backs the desktop app, serve mode and the tests. */
export function createServices(options: ServicesOptions): Services {
  const events = new EventHub();
  const handlers: Handlers = {
    'system.info': () => systemInfo(options, null),
  };
  return {
    handlers,
    events,
    resolveImage: () => Promise.resolve(null),
    close: () => Promise.resolve(),
  };
}
