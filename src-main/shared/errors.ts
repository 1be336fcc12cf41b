/**
 * Expected failures cross every edge as values with a code and a message (never a stack trace):
 * the renderer shows the message, and tests assert the code.
 */
export const ERROR_CODES = [
  'invalid_request', // the payload failed validation, or the method does not exist
  'unauthorized',
  'no_project', // the method needs an open project
  'not_found',
  'conflict', // e.g. a name already in use, a job already running
  'invalid_data', // a file the user gave us is malformed (names the file and the field)
  'io_error',
  'unsupported',
  'cancelled',
  'version_too_new', // a project written by a newer DW Studio
  'internal',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ErrorInfo {
  code: ErrorCode;
  message: string;
}

/** Thrown by services for an expected failure; the transport turns it into an `ErrorInfo`. */
export class AppError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AppError';
    this.code = code;
  }
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}

/** What one call returns over any transport. */
export type Envelope<T> = { ok: true; value: T } | { ok: false; error: ErrorInfo };

export function toErrorInfo(e: unknown): ErrorInfo {
  if (isAppError(e)) return { code: e.code, message: e.message };
  // Only the message crosses the edge; the stack stays in the process that threw.
  let message: string;
  try {
    message = e instanceof Error ? String(e.message) : String(e);
  } catch {
    message = ''; // a thrown value whose own conversion to text throws
  }
  return { code: 'internal', message: message || 'Unexpected error' };
}
