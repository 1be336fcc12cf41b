import { describe, expect, it } from 'vitest';
import { createServices } from '../../../src-main/services';
import { AppError } from '../../../src-main/shared/errors';
import { EventHub } from '../../../src-main/services/events';
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

  it('holds answers to the output schema when asked, and not otherwise', async () => {
    const info = await services.handlers['system.info']({}, call);
    const broken = { ...services.handlers, 'system.info': () => ({ ...info, cpuCount: 2.5 }) };
    const original = console.error;
    console.error = () => {};
    try {
      const r = await createDispatch(broken, { checkOutputs: true })('system.info', {}, call);
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.error.code).toBe('internal');
        expect(r.error.message).toMatch(/^system\.info answered outside its contract: .*cpuCount/s);
      }
    } finally {
      console.error = original;
    }
    const unchecked = await createDispatch(broken, { checkOutputs: false })('system.info', {}, call);
    expect(unchecked).toMatchObject({ ok: true, value: { cpuCount: 2.5 } });
    const good = await createDispatch(services.handlers, { checkOutputs: true })('system.info', {}, call);
    expect(good.ok).toBe(true);
  });
});

describe('event hub', () => {
  const payload = { ids: [1, 2] };

  it('throws at the emitter for a payload outside its event schema when checking, naming the field', () => {
    const hub = new EventHub({ checkPayloads: true });
    const seen: unknown[] = [];
    hub.subscribe((_name, p) => seen.push(p));
    expect(() => hub.emit('images.changed', { ids: [1.5] })).toThrow(/images\.changed.*ids\.0/);
    expect(seen).toEqual([]);
  });

  it('delivers to every listener even when one throws', () => {
    const hub = new EventHub({ checkPayloads: true });
    const seen: unknown[] = [];
    const original = console.error;
    console.error = () => {};
    try {
      hub.subscribe(() => {
        throw new Error('closed socket');
      });
      hub.subscribe((_name, p) => seen.push(p));
      hub.emit('images.changed', payload);
    } finally {
      console.error = original;
    }
    expect(seen).toHaveLength(1);
  });
});
