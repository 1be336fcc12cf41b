/** One question to the user, answered by one of its choices (or null when dismissed). */
export interface DialogRequest {
  title: string;
  message: string;
  /** Lines shown under the message, e.g. what each choice would do. */
  details?: string[];
  choices: Array<{ value: string; label: string; primary?: boolean; danger?: boolean }>;
  /** An optional select the user fills in before choosing (e.g. the class to reassign boxes to). */
  select?: { label: string; options: Array<{ value: string; label: string }> };
}

export interface DialogAnswer {
  choice: string;
  selected?: string;
}

/**
 * Awaitable dialogs: `await dialogs.ask({...})` shows a modal and resolves with the answer, so a flow
 * like "delete this class? its 12 boxes: delete / reassign" reads top to bottom.
 */
class DialogManager {
  current = $state.raw<DialogRequest | null>(null);
  #resolve: ((answer: DialogAnswer | null) => void) | null = null;

  ask(request: DialogRequest): Promise<DialogAnswer | null> {
    this.#resolve?.(null);
    this.current = request;
    return new Promise((resolve) => (this.#resolve = resolve));
  }

  answer(answer: DialogAnswer | null): void {
    const resolve = this.#resolve;
    this.#resolve = null;
    this.current = null;
    resolve?.(answer);
  }
}

export const dialogs = new DialogManager();
