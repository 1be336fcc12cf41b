import { z } from 'zod';
import { isMethodName, methods, type CallInfo, type Handlers } from '../shared/contract';
import { AppError, toErrorInfo, type Envelope } from '../shared/errors';
import { checkingContract } from '../services/events';

export type Dispatch = (method: unknown, payload: unknown, call: CallInfo) => Promise<Envelope<unknown>>;

export interface DispatchOptions {
  /**
   * Validate each handler's value against the method's output schema too, and answer `internal` when
   * it does not match: the static types cannot see a refinement (an int, a range, a pattern) that a
   * handler breaks. Default: `checkingContract()`.
   */
  checkOutputs?: boolean;
}

/**
 * The one place a call crosses from untrusted to trusted: the method must exist, the payload must
 * match its schema, and any failure leaves as an `ErrorInfo` value (never a thrown stack).
 */
export function createDispatch(handlers: Handlers, options: DispatchOptions = {}): Dispatch {
  const checkOutputs = options.checkOutputs ?? checkingContract();
  return async (method, payload, call) => {
    try {
      if (!isMethodName(method)) {
        throw new AppError('invalid_request', `Unknown method: ${describeMethod(method)}`);
      }
      const parsed = methods[method].input.safeParse(payload ?? {});
      if (!parsed.success) {
        throw new AppError('invalid_request', `Invalid ${method} request: ${z.prettifyError(parsed.error)}`);
      }
      const handler = handlers[method] as (input: unknown, call: CallInfo) => unknown;
      const value = await handler(parsed.data, call);
      if (checkOutputs) {
        const out = methods[method].output.safeParse(value);
        if (!out.success) {
          throw new Error(`${method} answered outside its contract: ${z.prettifyError(out.error)}`);
        }
      }
      return { ok: true, value };
    } catch (e) {
      const error = toErrorInfo(e);
      if (error.code === 'internal') console.error(`${describeMethod(method)} failed:`, e);
      return { ok: false, error };
    }
  };
}

/**
 * A method name for a message, from whatever the caller sent: only a string is shown (cut short);
 * anything else by its type, since turning an object into text runs its own code and may throw.
 */
function describeMethod(method: unknown): string {
  if (typeof method === 'string') return method.slice(0, 80);
  return method === null ? 'null' : `(a ${Array.isArray(method) ? 'list' : typeof method}, not a name)`;
}
