import type { WebSocket } from 'ws';
import { readSocketCall, type SocketServerMessage } from '../shared/socket';
import type { EventHub } from '../services/events';
import type { Dispatch } from './dispatch';

/**
 * One serve-mode WebSocket: calls in (`{ id, method, payload }`), answers and events out. Whatever a
 * frame holds, it is answered or ignored: a frame that is not JSON, not an object, or has no usable
 * id has nothing to answer to and is dropped; a bad method or payload gets the dispatcher's error. No
 * frame can throw out of here (a throw in a socket listener would end the whole server).
 */
export function attachSocket(ws: WebSocket, dispatch: Dispatch, events: EventHub): void {
  const send = (value: SocketServerMessage) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(value));
  };
  const unsubscribe = events.subscribe((event, payload) => send({ event, payload } as SocketServerMessage));
  ws.on('close', unsubscribe);
  // Invalid UTF-8, a bad opcode, a frame over the size limit: ws closes the socket and reports here.
  ws.on('error', (e) => console.error(`serve: socket closed: ${e.message}`));
  ws.on('message', (data, isBinary) => {
    const call = isBinary ? null : readSocketCall(data.toString());
    if (!call) return;
    dispatch(call.method, call.payload, { transport: 'serve' })
      .then((result) => send({ id: call.id, result }))
      .catch((e: unknown) => console.error('serve: a socket call failed', e));
  });
}
