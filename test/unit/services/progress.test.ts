import { describe, expect, it } from 'vitest';
import { EventHub } from '../../../src-main/services/events';
import { withProgress } from '../../../src-main/services/progress';
import { AppError } from '../../../src-main/shared/errors';

function record(hub: EventHub) {
  const seen: { state: string; done: number; total: number | null; message?: string }[] = [];
  hub.subscribe((name, p) => {
    if (name === 'task.progress') seen.push(p as (typeof seen)[number]);
  });
  return seen;
}

describe('progress events', () => {
  it('throttles updates but always sends the start and the end', async () => {
    const hub = new EventHub();
    const seen = record(hub);
    await withProgress(hub, 'test', 'Testing', async (p) => {
      for (let i = 1; i <= 1000; i++) p.update(i, 1000);
    });
    expect(seen[0]).toMatchObject({ state: 'running', done: 0 });
    expect(seen.at(-1)).toMatchObject({ state: 'done', done: 1000, total: 1000 });
    expect(seen.length).toBeLessThan(10);
  });

  it('ends in failed (or cancelled) with the message when the work throws', async () => {
    const hub = new EventHub();
    const seen = record(hub);
    await expect(
      withProgress(hub, 'test', 'Testing', () => Promise.reject(new Error('disk full'))),
    ).rejects.toThrow();
    expect(seen.at(-1)).toMatchObject({ state: 'failed', message: 'disk full' });
    await expect(
      withProgress(hub, 'test', 'Testing', () => Promise.reject(new AppError('cancelled', 'closed'))),
    ).rejects.toThrow();
    expect(seen.at(-1)).toMatchObject({ state: 'cancelled' });
  });
});
