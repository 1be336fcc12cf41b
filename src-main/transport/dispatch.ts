import { z } from 'zod';
import { isMethodName, methods, type CallInfo, type Handlers } from '../shared/contract';
import { AppError, toErrorInfo, type Envelope } from '../shared/errors';

export type Dispatch = (method: unknown, payload: unknown, call: CallInfo) => Promise<Envelope<unknown>>;

/**
 * The one place a call crosses from untrusted to trusted: the method must exist, the payload must
 * match its schema, and any failure leaves as an `ErrorInfo` value (never a thrown stack).
 */
export function createDispatch(handlers: Handlers): Dispatch {
  return async (method, payload, call) => {
    try {
      if (!isMethodName(method)) {
        throw new AppError('invalid_request', `Unknown method: ${String(method).slice(0, 80)}`);
      }
      const parsed = methods[method].input.safeParse(payload ?? {});
      if (!parsed.success) {
        throw new AppError('invalid_request', `Invalid ${method} request: ${z.prettifyError(parsed.error)}`);
      }
      const handler = handlers[method] as (input: unknown, call: CallInfo) => unknown;
      return { ok: true, value: await handler(parsed.data, call) };
    } catch (e) {
      const error = toErrorInfo(e);
      if (error.code === 'internal') console.error(`${String(method)} failed:`, e);
      return { ok: false, error };
    }
  };
}
