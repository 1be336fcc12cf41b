import { AppError } from '../shared/errors';

/**
 * A malformed annotation file. The message always says which file and where in it (a field path or a
 * line), because that is what the user has to open and fix; and it is one line, whatever a parser's
 * own message or a file name brings along.
 */
export class FormatError extends AppError {
  constructor(file: string, where: string | null, problem: string) {
    const message = where ? `${file}: ${where}: ${problem}` : `${file}: ${problem}`;
    super('invalid_data', message.replace(/\s*[\r\n]+\s*/g, ' '));
    this.name = 'FormatError';
  }
}

/** A short, safe rendering of an unexpected value for an error message. */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return `a list of ${v.length}`;
  if (typeof v === 'object') return 'an object';
  const s = typeof v === 'string' ? JSON.stringify(v) : String(v);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}
