import { app, utilityProcess } from 'electron';
import path from 'node:path';
import type { ComputeChoice } from '../compute/backendChain';
import type { SpawnTrainer, TrainerProcess } from '../training/jobHost';
import { COMPUTE_FROM_HOST_ENV } from '../training/protocol';

const STDERR_KEEP = 8192;

/**
 * The trainer as an Electron utility process: a Node.js child with its own V8 and native modules
 * (tfjs-node-gpu), so a CUDA abort or an out-of-memory cannot take the window down. A utility process
 * cannot start the probe processes itself, so `compute` (probed here, in utility processes of the
 * main process) is sent to it first.
 */
export function utilityTrainer(entry: string, compute: () => Promise<ComputeChoice>): SpawnTrainer {
  return () => {
    let stderr = '';
    const child = utilityProcess.fork(entry, [], {
      serviceName: 'DW Studio trainer',
      stdio: ['ignore', 'inherit', 'pipe'],
      env: {
        ...process.env,
        TF_CPP_MIN_LOG_LEVEL: process.env.TF_CPP_MIN_LOG_LEVEL ?? '1',
        [COMPUTE_FROM_HOST_ENV]: '1',
        // The GPU page is hosted by this app itself, started again in its GPU-host mode.
        DW_STUDIO_APP_BINARY: process.execPath,
        DW_STUDIO_APP_PATH: app.getAppPath(),
        DW_STUDIO_CACHE_DIR: path.join(app.getPath('userData'), 'cache'),
      },
      execArgv: ['--max-old-space-size=4096'],
    });
    void compute().then(
      ({ report, modulePath }) => child.postMessage({ type: 'compute', report, modulePath }),
      (e: unknown) => {
        // Without a backend the trainer cannot start: end it, so the job host reports why.
        stderr += `\nthe compute probe failed: ${e instanceof Error ? e.message : String(e)}\n`;
        child.kill();
      },
    );
    child.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-STDERR_KEEP);
    });
    const proc: TrainerProcess = {
      send: (msg) => child.postMessage(msg),
      onMessage: (listener) => child.on('message', listener),
      onExit: (listener) => child.on('exit', (code) => listener({ code, signal: null })),
      kill: () => void child.kill(),
      stderrTail: () => stderr,
    };
    return proc;
  };
}
