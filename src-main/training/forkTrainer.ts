import { fork } from 'node:child_process';
import type { SpawnTrainer, TrainerProcess } from './jobHost';

const STDERR_KEEP = 8192;

/**
 * The trainer as a Node child process (serve mode, CLI, tests). `advanced` serialization carries typed
 * arrays (heatmaps, detections) without JSON. Extra V8 heap: WASM memory is separate, but snapshots and
 * metrics are JS objects.
 */
export function forkTrainer(entry: string, env: NodeJS.ProcessEnv = {}): SpawnTrainer {
  return () => {
    const child = fork(entry, [], {
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
      env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: process.env.TF_CPP_MIN_LOG_LEVEL ?? '1', ...env },
      execArgv: ['--max-old-space-size=4096'],
    });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => {
      const text = d.toString();
      stderr = (stderr + text).slice(-STDERR_KEEP);
      if (process.env.DW_STUDIO_TRAINER_STDERR) process.stderr.write(text);
    });
    const proc: TrainerProcess = {
      send: (msg) => {
        if (child.connected) child.send(msg);
      },
      onMessage: (listener) => child.on('message', listener),
      onExit: (listener) => child.on('exit', (code, signal) => listener({ code, signal })),
      kill: () => child.kill('SIGKILL'),
      stderrTail: () => stderr,
    };
    return proc;
  };
}
