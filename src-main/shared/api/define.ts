import type { z } from 'zod';

/** One request/response method of the API: its input and output schemas and a one-line doc. */
export interface MethodSpec<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  readonly input: I;
  readonly output: O;
  readonly doc: string;
}

export function method<I extends z.ZodType, O extends z.ZodType>(
  input: I,
  output: O,
  doc: string,
): MethodSpec<I, O> {
  return { input, output, doc };
}
