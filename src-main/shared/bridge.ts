import type { EventName, EventPayload, MethodInput, MethodName, MethodOutput } from './contract';
import type { Envelope } from './errors';

/** The object the desktop preload exposes as `window.dwStudio`: the contract's methods by name, and events. */
export interface DesktopBridge {
  invoke: { [M in MethodName]: (input: MethodInput<M> | undefined) => Promise<Envelope<MethodOutput<M>>> };
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
}

/** The IPC channel that carries main → renderer events. Each method has its own channel, named as the method. */
export const EVENT_CHANNEL = 'dws:event';

/** Custom schemes of the desktop app: the renderer bundle, and images of the open project. */
export const APP_SCHEME = 'app';
export const IMAGE_SCHEME = 'dws-image';
