import { describe, expect, it } from 'vitest';
import { createServices } from '../../../src-main/services';
import { AppError } from '../../../src-main/shared/errors';
import { createDispatch } from '../../../src-main/transport/dispatch';

const services = createServices({ appVersion: '9.9.9', mode: 'serve', userDataDir: '/nonexistent' });
const call = { transport: 'direct' } as const;

describe('dispatch', () => {
  it('answers a valid call with the handler value', async () => {
    const r = await createDispatch(services.handlers)('system.info', {}, call);
    expect(r.ok).toBe(true);
    if (r.ok) expect((r.value as { appVersion: string }).appVersion).toBe('9.9.9');
  });

  it('refuses an unknown method and a prototype key', async () => {
    const d = createDispatch(services.handlers);
    for (const m of ['nope', '__proto__', 'constructor', 42]) {
      const r = await d(m, {}, call);
      expect(r).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    }
  });

  it('refuses a payload that does not match the schema, naming the field', async () => {
    const r = await createDispatch(services.handlers)('system.info', { extra: 1 }, call);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('invalid_request');
      expect(r.error.message).toContain('extra');
    }
  });

  it('returns expected failures as values and hides stacks of unexpected ones', async () => {
    const handlers = {
      ...services.handlers,
      'system.info': () => {
        throw new AppError('no_project', 'Open a project first');
      },
    };
    expect(await createDispatch(handlers)('system.info', {}, call)).toEqual({
      ok: false,
      error: { code: 'no_project', message: 'Open a project first' },
    });
    const crashing = {
      ...services.handlers,
      'system.info': () => {
        throw new TypeError('boom');
      },
    };
    const original = console.error;
    console.error = () => {};
    try {
      const r = await createDispatch(crashing)('system.info', {}, call);
      expect(r).toEqual({ ok: false, error: { code: 'internal', message: 'boom' } });
    } finally {
      console.error = original;
    }
  });
});
