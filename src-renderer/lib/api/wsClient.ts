import type { EventName, MethodName } from '../../../src-main/shared/contract';
import {
  isSocketReply,
  SOCKET_PATH,
  type SocketCall,
  type SocketServerMessage,
} from '../../../src-main/shared/socket';
import { ApiError, type ApiClient } from './client';

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/**
 * Serve mode: calls and events over one WebSocket to the page's own origin. The launch token reaches
 * the server as the cookie set when the page was first opened, or from the page's URL.
 */
export function createWsClient(location: Location, token: string | null): ApiClient {
  const pending = new Map<number, Pending>();
  const listeners = new Map<EventName, Set<(payload: never) => void>>();
  let nextId = 1;
  let socket: Promise<WebSocket> | null = null;

  function connect(): Promise<WebSocket> {
    if (socket) return socket;
    socket = new Promise((resolve, reject) => {
      const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
      const query = token ? `?token=${encodeURIComponent(token)}` : '';
      const ws = new WebSocket(`${scheme}://${location.host}${SOCKET_PATH}${query}`);
      ws.onopen = () => resolve(ws);
      ws.onerror = () =>
        reject(new ApiError({ code: 'io_error', message: 'Cannot reach the DW Studio server' }));
      ws.onclose = () => {
        socket = null;
        for (const p of pending.values()) {
          p.reject(
            new ApiError({ code: 'io_error', message: 'Connection to the DW Studio server was lost' }),
          );
        }
        pending.clear();
      };
      ws.onmessage = (e: MessageEvent<string>) => {
        const msg = JSON.parse(e.data) as SocketServerMessage;
        if (isSocketReply(msg)) {
          const p = pending.get(msg.id);
          pending.delete(msg.id);
          if (!p) return;
          if (msg.result.ok) p.resolve(msg.result.value);
          else p.reject(new ApiError(msg.result.error));
        } else {
          // The server sends the contract's events only; one nobody listens to is dropped here.
          for (const l of listeners.get(msg.event) ?? []) l(msg.payload as never);
        }
      };
    });
    return socket;
  }

  const client: ApiClient = {
    transport: 'serve',
    async call(method, ...args) {
      const ws = await connect();
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        const call: SocketCall = { id, method: method as MethodName, payload: args[0] ?? {} };
        ws.send(JSON.stringify(call));
      });
    },
    on(event, listener) {
      void connect().catch(() => {});
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(listener as (payload: never) => void);
      return () => set.delete(listener as (payload: never) => void);
    },
    imageUrl: (kind, imageId, version) =>
      `/image/${kind}/${imageId}${version === undefined ? '' : `?v=${encodeURIComponent(version)}`}`,
  };
  return client;
}
