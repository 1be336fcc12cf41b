import { describe, expect, it } from 'vitest';
import { isSocketReply, readSocketCall, type SocketServerMessage } from '../../../src-main/shared/socket';

describe('serve-mode socket messages', () => {
  it('reads a call by its numeric id, leaving method and payload to the contract', () => {
    expect(readSocketCall('{"id":3,"method":"images.get","payload":{"id":1}}')).toEqual({
      id: 3,
      method: 'images.get',
      payload: { id: 1 },
    });
    expect(readSocketCall('{"id":"3","method":"images.get"}')).toBeNull();
    expect(readSocketCall('null')).toBeNull();
    expect(readSocketCall('not json')).toBeNull();
  });

  it('tells replies from events', () => {
    const reply: SocketServerMessage = { id: 1, result: { ok: true, value: null } };
    const event: SocketServerMessage = { event: 'classes.changed', payload: {} };
    expect(isSocketReply(reply)).toBe(true);
    expect(isSocketReply(event)).toBe(false);
  });
});
