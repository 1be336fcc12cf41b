import { events, type EventName, type EventPayload } from '../shared/contract';

/**
 * Whether answers and events are held to their schemas too (`DW_STUDIO_CHECK_CONTRACT=1`: the tests, and
 * the processes they start). Off in the app, where the main side is the trusted one.
 */
export function checkingContract(): boolean {
  return process.env.DW_STUDIO_CHECK_CONTRACT === '1';
}

export type EventListener = <E extends EventName>(name: E, payload: EventPayload<E>) => void;

/** Fan-out of main → renderer events to every connected transport (IPC window, serve-mode sockets). */
export class EventHub {
  readonly #listeners = new Set<EventListener>();
  readonly #checkPayloads: boolean;

  /** `checkPayloads`: hold each payload to its event schema and throw at the emitter when it breaks it. */
  constructor(options: { checkPayloads?: boolean } = {}) {
    this.#checkPayloads = options.checkPayloads ?? checkingContract();
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
