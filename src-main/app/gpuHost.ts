// DW Studio started as the GPU page's host (`--dw-studio-gpu-host=<address>`): a second Electron
// process with one hidden window on the trainer's page, so that a crash of its GPU process, or a lost
// device, ends this process and fails the run, never the app the user works in.
import { app, BrowserWindow } from 'electron';

/** Whether `url` is the trainer's page: http on 127.0.0.1 with a token, nothing else. */
export function isTrainerPage(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' && u.hostname === '127.0.0.1' && u.searchParams.has('token');
  } catch {
    return false;
  }
}

/** How often the GPU host looks for the trainer that started it. */
const PARENT_POLL_MS = 1000;

/**
 * Calls `gone` once the process `pid` has ended (polled every `everyMs`): the GPU host must not
 * outlive the trainer that started it, however that trainer ended (a crash and SIGKILL included).
 */
export function whenProcessEnds(pid: number, gone: () => void, everyMs = PARENT_POLL_MS): () => void {
  const timer = setInterval(() => {
    try {
      process.kill(pid, 0);
    } catch (e) {
      // EPERM: it exists but belongs to someone else, so it is not gone.
      if ((e as NodeJS.ErrnoException).code !== 'ESRCH') return;
      clearInterval(timer);
      gone();
    }
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}

export function runGpuHost(url: string): void {
  if (!isTrainerPage(url)) {
    app.exit(2);
    return;
  }
  whenProcessEnds(process.ppid, () => app.exit(0));
  app.enableSandbox();
  app.commandLine.appendSwitch('enable-unsafe-webgpu');
  // A GPU process that dies takes the page's device with it: say so by ending, the trainer reports it.
  app.on('child-process-gone', (_event, details) => {
    if (details.type === 'GPU') app.exit(1);
  });
  app.on('window-all-closed', () => app.quit());
  void app.whenReady().then(() => {
    const window = new BrowserWindow({
      show: false,
      webPreferences: {
        sandbox: true,
        contextIsolation: true,
        nodeIntegration: false,
        // A hidden window is throttled by default; training must run at full speed.
        backgroundThrottling: false,
        partition: 'dw-studio-gpu',
      },
    });
    window.webContents.on('render-process-gone', () => app.exit(1));
    window.webContents.on('will-navigate', (event) => event.preventDefault());
    window.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
    void window.loadURL(url);
  });
}
