import { events, type EventName, type EventPayload } from '../shared/contract';

export type EventListener = <E extends EventName>(name: E, payload: EventPayload<E>) => void;

/** Fan-out of main → renderer events to every connected transport (IPC window, serve-mode sockets). */
export class EventHub {
  readonly #listeners = new Set<EventListener>();
  readonly #checkPayloads: boolean;

  /** `checkPayloads`: hold each payload to its event schema and throw at the emitter when it breaks it. */
  constructor(options: { checkPayloads?: boolean } = {}) {
    this.#checkPayloads = options.checkPayloads ?? false;
  }

  emit<E extends EventName>(name: E, payload: EventPayload<E>): void {
    if (this.#checkPayloads) {
      const r = events[name].safeParse(payload);
      if (!r.success) {
        const where = r.error.issues.map((i) => `${i.path.join('.') || '(payload)'}: ${i.message}`);
        throw new Error(`event ${name} outside its contract: ${where.join('; ')}`);
      }
    }
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
