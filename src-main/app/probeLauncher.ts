import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { utilityProcess } from 'electron';
import type { ProbeLauncher } from '../compute/childProbe';

/**
 * Compute probes as Electron utility processes: the packaged app's binary cannot run as plain Node
 * (its RunAsNode fuse is off), but a utility process is Node with its own V8, so a CUDA library that
 * aborts takes only the probe down. The probe's source is written to a temporary file once.
 */
export function utilityProbeLauncher(): ProbeLauncher {
  let file: string | null = null;
  return (script, env) => {
    file ??= path.join(mkdtempSync(path.join(os.tmpdir(), 'dw-studio-probe-')), 'probe.cjs');
    writeFileSync(file, script);
    const child = utilityProcess.fork(file, [], {
      env,
      stdio: 'pipe',
      serviceName: 'DW Studio compute probe',
    });
    return {
      stdout: child.stdout,
      stderr: child.stderr,
      onExit: (listener) => child.on('exit', (code) => listener(code, null)),
      onError: () => {},
      kill: () => void child.kill(),
    };
  };
}
