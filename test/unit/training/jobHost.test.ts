import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { crashReason, JobHost, type JobEvent } from '../../../src-main/training/jobHost';
import { forkTrainer } from '../../../src-main/training/forkTrainer';
import { TrainConfig, type JobOf } from '../../../src-main/training/protocol';

const script = path.resolve(__dirname, '../../fixtures/trainer/scripted-trainer.cjs');
const hosts: JobHost[] = [];
/** A host of the scripted trainer; `backend` is the one it reports (cpu unless given). */
function host(backend?: string): JobHost {
  const h = new JobHost(forkTrainer(script, backend ? { SCRIPTED_BACKEND: backend } : {}));
  hosts.push(h);
  return h;
}
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.dispose()));
});

const evaluate = (jobId: string, mode: string): JobOf<'evaluate'> => ({
  kind: 'evaluate',
  jobId,
  modelDir: mode,
  snapshotPath: '-',
  workers: null,
});
const train = (jobId: string, mode: string): JobOf<'train'> => ({
  kind: 'train',
  jobId,
  runDir: mode,
  snapshotPath: '-',
  config: TrainConfig.parse({ preset: 'resnet18', size: 512, batchSize: 8, maxSteps: 10 }),
  resume: false,
  weightsFile: null,
});
/** The scripted trainer's process id (it answers the 'pid' job with it as the image count). */
const pidOf = async (h: JobHost, jobId: string) =>
  (await h.run(evaluate(jobId, 'pid'), () => {}).done).result!.images;

describe('trainer job host', () => {
  it('reports the compute backend, relays events, ignores malformed messages and resolves the job', async () => {
    const h = host();
    expect((await h.compute()).backend).toBe('cpu');
    const events: JobEvent[] = [];
    const job = h.run(evaluate('j1', 'ok'), (e) => events.push(e));
    await expect(job.done).resolves.toEqual({
      cancelled: false,
      result: { AP: 0.5, AP50: 0.75, AP75: 0.5, perClass: [], images: 42 },
    });
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

  it("checks a job's result against its kind's schema, and fails the job when it does not match", async () => {
    const h = host();
    await expect(h.run(evaluate('w', 'wrong-kind'), () => {}).done).rejects.toThrow(
      "The trainer's answer to the evaluate job was a predict result.",
    );
    await expect(h.run(evaluate('m', 'malformed'), () => {}).done).rejects.toThrow(
      /^The trainer's answer to the evaluate job was malformed \(result/,
    );
    await expect(h.run(evaluate('g', 'ok'), () => {}).done).resolves.toMatchObject({
      result: { images: 42 },
    });
  });

  it('turns a job failure into a rejected job and keeps the process for the next one', async () => {
    const h = host();
    await expect(h.run(evaluate('f', 'fail'), () => {}).done).rejects.toThrow('bad model file');
    await expect(h.run(evaluate('g', 'ok'), () => {}).done).resolves.toMatchObject({
      result: { images: 42 },
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

  it('turns a training job that ran out of memory into a reason with the backend and what to do, in a fresh process after it', async () => {
    const h = host('wasm');
    const first = await pidOf(h, 'p1');
    const events: JobEvent[] = [];
    const job = h.run(train('t', 'wasm-oom'), (e) => events.push(e));
    const error = await job.done.then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(error!.message).toBe(
      'Training ran out of memory on the WebAssembly CPU backend, which can use at most 4 GB however much ' +
        'memory the computer has (RuntimeError: memory access out of bounds). Start a new run with a smaller ' +
        'input size, batch size or network preset (it had 512 px, batch 8, the resnet18 network).',
    );
    // The steps before it were relayed as usual.
    expect(events.map((e) => e.type)).toEqual(['step', 'step']);
    expect(h.busy).toBe(false);
    // A WebAssembly heap that ran out is not reused: the next job runs in a new process.
    const next = await pidOf(h, 'p2');
    expect(next).not.toBe(first);
    await expect(h.run(evaluate('ok', 'ok'), () => {}).done).resolves.toMatchObject({
      result: { images: 42 },
    });
    expect(await pidOf(h, 'p3')).toBe(next);
  });

  it('recognizes WebAssembly’s failure to grow its heap as an out-of-memory', async () => {
    const h = host('tensorflow-gpu');
    await expect(h.run(train('g', 'grow-failed'), () => {}).done).rejects.toThrow(
      /^Training ran out of memory on the GPU \(NVIDIA Test GPU, TensorFlow backend\): its memory is full \(RangeError: WebAssembly\.Memory\.grow\(\): Maximum memory size exceeded\)\. Start a new run with a smaller input size, batch size or network preset/,
    );
  });

  it('names the backend of a trainer that died of a WebAssembly trap, and what the job was doing', async () => {
    const h = host('wasm');
    await expect(h.run(evaluate('w', 'wasm-trap-crash'), () => {}).done).rejects.toThrow(
      'Evaluating the model ran out of memory on the WebAssembly CPU backend, which can use at most 4 GB ' +
        'however much memory the computer has (RuntimeError: memory access out of bounds). Close other ' +
        'programs, or use a model trained at a smaller input size or with a smaller network.',
    );
    await expect(h.run(train('w2', 'wasm-trap-crash'), () => {}).done).rejects.toThrow(
      /^Training ran out of memory on the WebAssembly CPU backend.*\(it had 512 px, batch 8, the resnet18 network\)\.$/,
    );
    await expect(h.run(evaluate('after', 'ok'), () => {}).done).resolves.toMatchObject({ cancelled: false });
  });

  it('says a trainer killed during training was killed, and what helps if it was for memory', async () => {
    const h = host();
    await expect(h.run(train('k', 'sigkill'), () => {}).done).rejects.toThrow(
      'The trainer process was killed (SIGKILL): by another program, or by the system when memory ran out, ' +
        'in which case a smaller input size, batch size or network preset helps.',
    );
    await expect(h.run(evaluate('after', 'ok'), () => {}).done).resolves.toMatchObject({ cancelled: false });
  });

  it('explains exits in plain words', () => {
    expect(crashReason(null, 'SIGKILL', '')).toMatch(/killed \(SIGKILL\)/);
    expect(crashReason(1, null, 'W tensorflow OOM when allocating tensor with shape[4,256]')).toMatch(
      /out of memory/,
    );
    expect(crashReason(2, null, '')).toBe('The trainer stopped unexpectedly (exit code 2).');
    // A word that merely contains "oom" is no out-of-memory.
    expect(crashReason(1, null, 'Error: bad zoom level in room.json')).toBe(
      'The trainer stopped unexpectedly (exit code 1): Error: bad zoom level in room.json.',
    );
  });
});
