import type {
  CallArgs,
  EventName,
  EventPayload,
  MethodName,
  MethodOutput,
} from '../../../src-main/shared/contract';
import type { ErrorCode, ErrorInfo } from '../../../src-main/shared/errors';

/** A failed call, with the code the main side chose (see `ERROR_CODES`). */
export class ApiError extends Error {
  readonly code: ErrorCode;
  constructor(info: ErrorInfo) {
    super(info.message);
    this.name = 'ApiError';
    this.code = info.code;
  }
}

/** One interface over both transports: Electron's preload bridge and serve mode's WebSocket. */
export interface ApiClient {
  readonly transport: 'ipc' | 'serve';
  call<M extends MethodName>(method: M, ...args: CallArgs<M>): Promise<MethodOutput<M>>;
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
  /** URL of an image (full resolution) or its thumbnail, for <img> and Konva. */
  imageUrl(kind: 'image' | 'thumb', imageId: number, version?: string | number): string;
}
