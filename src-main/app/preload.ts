// Sandboxed preload: exposes the contract's methods by name and a filtered event subscription.
// It never exposes ipcRenderer itself, so the page cannot reach any other channel.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { EVENT_CHANNEL, type DesktopBridge } from '../shared/bridge';
import { METHOD_NAMES, isEventName } from '../shared/contract';

const invoke = Object.fromEntries(
  METHOD_NAMES.map((method) => [method, (input: unknown) => ipcRenderer.invoke(method, input)]),
) as DesktopBridge['invoke'];

const bridge: DesktopBridge = {
  invoke,
  on(event, listener) {
    if (!isEventName(event)) throw new Error(`Unknown event: ${String(event)}`);
    const handler = (_e: IpcRendererEvent, msg: { event: string; payload: never }) => {
      if (msg.event === event) listener(msg.payload);
    };
    ipcRenderer.on(EVENT_CHANNEL, handler);
    return () => ipcRenderer.removeListener(EVENT_CHANNEL, handler);
  },
};

contextBridge.exposeInMainWorld('dwStudio', bridge);
