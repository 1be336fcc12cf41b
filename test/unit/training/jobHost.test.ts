import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { crashReason, JobHost, type JobEvent } from '../../../src-main/training/jobHost';
import { forkTrainer } from '../../../src-main/training/forkTrainer';

const script = path.resolve(__dirname, '../../fixtures/trainer/scripted-trainer.cjs');
const hosts: JobHost[] = [];
function host(): JobHost {
  const h = new JobHost(forkTrainer(script));
  hosts.push(h);
  return h;
}
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.dispose()));
});

const evaluate = (jobId: string, mode: string) =>
  ({ kind: 'evaluate', jobId, modelDir: mode, snapshotPath: '-' }) as const;

describe('trainer job host', () => {
  it('reports the compute backend, relays events, ignores malformed messages and resolves the job', async () => {
    const h = host();
    expect((await h.compute()).backend).toBe('cpu');
    const events: JobEvent[] = [];
    const job = h.run(evaluate('j1', 'ok'), (e) => events.push(e));
    await expect(job.done).resolves.toEqual({ cancelled: false, result: { answer: 42 } });
    expect(events).toEqual([{ type: 'progress', jobId: 'j1', done: 1, total: 2, label: 'x' }]);
    expect(h.busy).toBe(false);
  });

  it('refuses a second job while one runs', async () => {
    const h = host();
    const first = h.run(evaluate('a', 'hang'), () => {});
    expect(() => h.run(evaluate('b', 'ok'), () => {})).toThrow(/Another job is running/);
    first.cancel();
    await expect(first.done).resolves.toMatchObject({ cancelled: true });
  });

  it('turns a job failure into a rejected job and keeps the process for the next one', async () => {
    const h = host();
    await expect(h.run(evaluate('f', 'fail'), () => {}).done).rejects.toThrow('bad model file');
    await expect(h.run(evaluate('g', 'ok'), () => {}).done).resolves.toMatchObject({
      result: { answer: 42 },
    });
  });

  it('reports a crash with its reason, then starts a fresh process for the next job', async () => {
    const h = host();
    await expect(h.run(evaluate('c', 'crash'), () => {}).done).rejects.toThrow(
      /stopped unexpectedly \(exit code 3\): Error: something native broke/,
    );
    await expect(h.run(evaluate('d', 'ok'), () => {}).done).resolves.toMatchObject({ cancelled: false });
  });

  it('names an out-of-memory crash', async () => {
    const h = host();
    await expect(h.run(evaluate('o', 'oom'), () => {}).done).rejects.toThrow(/ran out of memory/);
  });

  it('explains exits in plain words', () => {
    expect(crashReason(null, 'SIGKILL', '')).toMatch(/killed \(SIGKILL\)/);
    expect(crashReason(1, null, 'W tensorflow OOM when allocating tensor with shape[4,256]')).toMatch(
      /out of memory/,
    );
    expect(crashReason(2, null, '')).toBe('The trainer stopped unexpectedly (exit code 2).');
  });
});
