/**
 * Undo/redo over snapshots of one image's boxes. Every edit is saved at once as a full replacement,
 * so undo is simply "save the previous snapshot", and a crash can never leave half an edit.
 */
export class History<T> {
  #past: T[] = [];
  #future: T[] = [];
  readonly #limit: number;

  constructor(limit = 200) {
    this.#limit = limit;
  }

  /** Record the state before an edit. */
  push(before: T): void {
    this.#past.push(before);
    if (this.#past.length > this.#limit) this.#past.shift();
    this.#future = [];
  }

  /** The state to go back to, given the current one; null when there is nothing to undo. */
  undo(current: T): T | null {
    const prev = this.#past.pop();
    if (prev === undefined) return null;
    this.#future.push(current);
    return prev;
  }

  redo(current: T): T | null {
    const next = this.#future.pop();
    if (next === undefined) return null;
    this.#past.push(current);
    return next;
  }

  get canUndo(): boolean {
    return this.#past.length > 0;
  }

  get canRedo(): boolean {
    return this.#future.length > 0;
  }

  clear(): void {
    this.#past = [];
    this.#future = [];
  }
}
