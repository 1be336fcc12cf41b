import { describe, expect, it } from 'vitest';
import { EVENT_NAMES, METHOD_NAMES, methods, type Handlers } from '../../../src-main/shared/contract';

describe('API contract', () => {
  it('declares every method with an input schema, an output schema and a doc line', () => {
    expect(METHOD_NAMES.length).toBeGreaterThan(0);
    for (const name of METHOD_NAMES) {
      expect(name).toMatch(/^[a-z]+\.[a-zA-Z]+$/);
      expect(methods[name].doc.length).toBeGreaterThan(10);
      expect(typeof methods[name].input.safeParse).toBe('function');
      expect(typeof methods[name].output.safeParse).toBe('function');
    }
    expect(EVENT_NAMES).toContain('task.progress');
  });

  it('makes a missing handler a compile error', () => {
    // Checked by `tsc` (part of `npm test`): the @ts-expect-error must be an error, or tsc fails.
    // @ts-expect-error -- a Handlers object without 'system.info' does not type-check
    const missing: Handlers = {};
    expect(missing).toEqual({});
  });
});
