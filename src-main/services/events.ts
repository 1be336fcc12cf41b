import type { EventName, EventPayload } from '../shared/contract';

export type EventListener = <E extends EventName>(name: E, payload: EventPayload<E>) => void;

/** Fan-out of main → renderer events to every connected transport (IPC window, serve-mode sockets). */
export class EventHub {
  readonly #listeners = new Set<EventListener>();

  emit<E extends EventName>(name: E, payload: EventPayload<E>): void {
    for (const listener of this.#listeners) {
      try {
        listener(name, payload);
      } catch (e) {
        // One broken subscriber (a closed socket) must not stop the others.
        console.error(`event listener failed for ${name}:`, e);
      }
    }
  }

  subscribe(listener: EventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
