import { utilityProcess } from 'electron';
import type { SpawnTrainer, TrainerProcess } from '../training/jobHost';

const STDERR_KEEP = 8192;

/**
 * The trainer as an Electron utility process: a Node.js child with its own V8 and native modules
 * (tfjs-node-gpu), so a CUDA abort or an out-of-memory cannot take the window down.
 */
export function utilityTrainer(entry: string): SpawnTrainer {
  return () => {
    const child = utilityProcess.fork(entry, [], {
      serviceName: 'DW Studio trainer',
      stdio: ['ignore', 'inherit', 'pipe'],
      env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: process.env.TF_CPP_MIN_LOG_LEVEL ?? '1' },
      execArgv: ['--max-old-space-size=4096'],
    });
    let stderr = '';
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
