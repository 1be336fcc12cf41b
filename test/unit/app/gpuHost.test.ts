import { spawn } from 'node:child_process';
import { describe, expect, it, vi } from 'vitest';

vi.mock('electron', () => ({ app: {}, BrowserWindow: class {} }));
const { isTrainerPage, whenProcessEnds } = await import('../../../src-main/app/gpuHost');

describe('the GPU-host mode of the desktop app', () => {
  it("opens the trainer's page on 127.0.0.1 with its token, and nothing else", () => {
    expect(isTrainerPage('http://127.0.0.1:41234/?token=abc')).toBe(true);
    expect(isTrainerPage('http://127.0.0.1:41234/')).toBe(false);
    expect(isTrainerPage('https://127.0.0.1:41234/?token=abc')).toBe(false);
    expect(isTrainerPage('http://localhost:41234/?token=abc')).toBe(false);
    expect(isTrainerPage('http://127.0.0.1.evil.com/?token=abc')).toBe(false);
    expect(isTrainerPage('file:///etc/passwd?token=abc')).toBe(false);
    expect(isTrainerPage('not a url')).toBe(false);
  });

  it('sees the trainer that started it end, even killed without a word, and only then', async () => {
    const trainer = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    await new Promise((r) => trainer.once('spawn', r));
    let endedAt = 0;
    const stop = whenProcessEnds(trainer.pid!, () => (endedAt = performance.now()), 50);
    await new Promise((r) => setTimeout(r, 300));
    expect(endedAt).toBe(0);
    const exited = new Promise((r) => trainer.once('exit', r));
    trainer.kill('SIGKILL');
    await exited;
    const killedAt = performance.now();
    await vi.waitFor(() => expect(endedAt).toBeGreaterThan(0), { timeout: 2000, interval: 20 });
    expect(endedAt - killedAt).toBeLessThan(500);
    stop();
  });
});
