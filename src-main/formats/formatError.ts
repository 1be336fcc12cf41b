import { AppError } from '../shared/errors';

/**
 * A malformed annotation file. The message always says which file and where in it (a field path or a
 * line), because that is what the user has to open and fix.
 */
export class FormatError extends AppError {
  constructor(file: string, where: string | null, problem: string) {
    super('invalid_data', where ? `${file}: ${where}: ${problem}` : `${file}: ${problem}`);
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
