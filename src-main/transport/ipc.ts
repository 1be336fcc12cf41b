import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import { EVENT_CHANNEL } from '../shared/bridge';
import { METHOD_NAMES } from '../shared/contract';
import type { Envelope } from '../shared/errors';
import type { EventHub } from '../services/events';
import type { Dispatch } from './dispatch';

/**
 * The Electron IPC edge: one `handle` per contract method. A call is answered only when it comes from
 * the app's own window and page; its payload is then validated by the shared dispatcher.
 */
export function registerIpc(
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>,
  dispatch: Dispatch,
  isTrustedSender: (event: IpcMainInvokeEvent) => boolean,
): () => void {
  for (const method of METHOD_NAMES) {
    ipcMain.handle(method, (event, payload: unknown): Promise<Envelope<unknown>> => {
      if (!isTrustedSender(event)) {
        return Promise.resolve({
          ok: false,
          error: {
            code: 'unauthorized',
            message: 'Call refused: it did not come from the DW Studio window.',
          },
        });
      }
      return dispatch(method, payload, { transport: 'ipc' });
    });
  }
  return () => {
    for (const method of METHOD_NAMES) ipcMain.removeHandler(method);
  };
}

/** Forwards every service event to one window. */
export function forwardEvents(events: EventHub, target: () => WebContents | null): () => void {
  return events.subscribe((event, payload) => {
    const wc = target();
    if (wc && !wc.isDestroyed()) wc.send(EVENT_CHANNEL, { event, payload });
  });
}
