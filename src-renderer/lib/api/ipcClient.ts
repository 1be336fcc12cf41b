import { IMAGE_SCHEME, type DesktopBridge } from '../../../src-main/shared/bridge';
import type { MethodName } from '../../../src-main/shared/contract';
import type { Envelope } from '../../../src-main/shared/errors';
import { ApiError, type ApiClient } from './client';

export function createIpcClient(bridge: DesktopBridge): ApiClient {
  return {
    transport: 'ipc',
    async call(method, ...args) {
      const invoke = bridge.invoke[method as MethodName] as (input: unknown) => Promise<Envelope<never>>;
      const envelope = await invoke(args[0]);
      if (!envelope.ok) throw new ApiError(envelope.error);
      return envelope.value;
    },
    on: (event, listener) => bridge.on(event, listener),
    imageUrl: (kind, imageId, version) =>
      `${IMAGE_SCHEME}://${kind}/${imageId}${version === undefined ? '' : `?v=${encodeURIComponent(version)}`}`,
  };
}
