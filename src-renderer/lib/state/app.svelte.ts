import { getContext, setContext } from 'svelte';
import { ViewName } from '../../../src-main/shared/api/events';
import type { SystemInfo } from '../../../src-main/shared/api/system';
import type { ApiClient } from '../api';

const KEY = Symbol('app');

function viewFromHash(hash: string): ViewName {
  const parsed = ViewName.safeParse(hash.replace(/^#\/?/, '').split('?')[0]);
  return parsed.success ? parsed.data : 'library';
}

/** App-wide state: the current view (kept in the URL hash so reloads keep it) and system facts. */
export class AppState {
  view = $state<ViewName>(viewFromHash(window.location.hash));
  info = $state.raw<SystemInfo | null>(null);
  /** A message for the user about something that failed; shown until dismissed. */
  error = $state<string | null>(null);

  constructor(readonly api: ApiClient) {
    window.addEventListener('hashchange', () => (this.view = viewFromHash(window.location.hash)));
    api.on('app.command', (cmd) => {
      if (cmd.command === 'navigate') this.navigate(cmd.view);
    });
  }

  navigate(view: ViewName): void {
    if (window.location.hash !== `#/${view}`) window.location.hash = `#/${view}`;
    this.view = view;
  }

  async loadInfo(): Promise<void> {
    try {
      this.info = await this.api.call('system.info');
    } catch (e) {
      this.error = e instanceof Error ? e.message : String(e);
    }
  }

  provide(): void {
    setContext(KEY, this);
  }
}

export function useApp(): AppState {
  return getContext<AppState>(KEY);
}
