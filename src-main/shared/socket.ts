import type { EventName, EventPayload, MethodName } from './contract';
import type { Envelope } from './errors';

/**
 * Serve mode's WebSocket (`/ws`): the messages on it, declared once for the server and the page.
 * The page sends calls; the server answers each by its id, and pushes events to every page.
 */

/** Page → server: one call of a contract method. */
export interface SocketCall {
  id: number;
  method: MethodName;
  payload: unknown;
}

/** Server → page: the answer to the call with the same id. */
export interface SocketReply {
  id: number;
  result: Envelope<unknown>;
}

/** Server → page: an event of the contract. */
export interface SocketEvent<E extends EventName = EventName> {
  event: E;
  payload: EventPayload<E>;
}

export type SocketServerMessage = SocketReply | SocketEvent;

/** The path of the socket on the serve-mode server. */
export const SOCKET_PATH = '/ws';

/**
 * A call as the server reads it from the wire: untrusted, so only its id is checked here (the method
 * and the payload go through the contract's validation like any other call). null: not a call.
 */
export function readSocketCall(data: string): { id: number; method: unknown; payload: unknown } | null {
  let msg: unknown;
  try {
    msg = JSON.parse(data);
  } catch {
    return null;
  }
  if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) return null;
  const { id, method, payload } = msg as Record<string, unknown>;
  if (typeof id !== 'number' || !Number.isSafeInteger(id)) return null;
  return { id, method, payload };
}

export function isSocketReply(msg: SocketServerMessage): msg is SocketReply {
  return 'id' in msg && typeof msg.id === 'number';
}
