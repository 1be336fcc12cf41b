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

  it('takes only absolute paths for files and folders of the main side', () => {
    const open = methods['project.open'].input;
    for (const ok of [
      '/home/me/cells.dwproj',
      'C:\\data\\cells.dwproj',
      'D:/cells.dwproj',
      '\\\\nas\\share\\c.dwproj',
    ]) {
      expect(open.safeParse({ path: ok }).success, ok).toBe(true);
    }
    for (const bad of [
      'cells.dwproj',
      './cells.dwproj',
      '../x.dwproj',
      '~/cells.dwproj',
      'C:cells.dwproj',
      '',
    ]) {
      expect(open.safeParse({ path: bad }).success, bad).toBe(false);
    }
    const r = methods['images.add'].input.safeParse({ paths: ['/ok', 'relative/dir'] });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]).toMatchObject({
      path: ['paths', 1],
      message: expect.stringContaining('absolute'),
    });
  });
});
