import { describe, expect, it, vi } from 'vitest';

vi.mock('electron', () => ({ app: {}, BrowserWindow: class {} }));
const { isTrainerPage } = await import('../../../src-main/app/gpuHost');

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
});
