// Loads a TensorFlow.js backend in a short-lived child process and reports what it found. A broken
// CUDA setup can abort the process that loads libtensorflow (TFJS.md §5, §12), so that process is
// never ours. The child is plain Node, started by a `ProbeLauncher`: Node's own binary by default;
// the packaged desktop app (whose binary cannot run as Node: its RunAsNode fuse is off) launches it
// as an Electron utility process instead.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';

const MARK = '@@dw-studio-probe@@';

/** What the child loads: a native package (tfjs-node-gpu / tfjs-node), or tfjs-core + the wasm backend. */
export type ProbeTarget = { kind: 'native'; module: string } | { kind: 'wasm'; core: string; module: string };

export interface ChildReport {
  ok: boolean;
  backend?: string;
  usesGpu?: boolean;
  simd?: boolean;
  error?: string;
}

export interface ChildProbeResult {
  outcome: 'reported' | 'crashed' | 'timeout';
  /** The child's own report, when it got that far. */
  report: ChildReport | null;
  /** The child's stderr (TensorFlow logs there), the last 64 kB. */
  stderr: string;
  exitCode: number | null;
  signal: string | null;
  ms: number;
}

// Runs in the child. Loads the target, runs one small op so that lazy device setup happens too, and
// prints a marked JSON line (tfjs-node may print to stdout itself).
const CHILD_SCRIPT = `
const send = (r) => process.stdout.write('\\n${MARK}' + JSON.stringify(r) + '\\n', () => process.exit(0));
(async () => {
  const t = JSON.parse(process.env.DWS_PROBE_TARGET);
  if (t.kind === 'native') {
    const tf = require(t.module);
    await tf.ready();
    const y = tf.matMul(tf.ones([16, 16]), tf.ones([16, 16]));
    await y.data();
    send({ ok: tf.getBackend() === 'tensorflow', backend: tf.getBackend(), usesGpu: !!tf.backend().isUsingGpuDevice });
  } else {
    const tf = require(t.core);
    require(t.module);
    tf.enableProdMode();
    const ok = await tf.setBackend('wasm');
    if (!ok) return send({ ok: false, error: 'the wasm backend did not initialize' });
    const y = tf.conv2d(tf.ones([1, 8, 8, 3]), tf.ones([3, 3, 3, 4]), 1, 'same');
    await y.data();
    send({ ok: true, backend: tf.getBackend(), simd: !!(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) });
  }
})().catch((e) => send({ ok: false, error: String((e && e.message) || e) }));
`;

/** A running probe child: its output, its end, and a way to stop it. */
export interface ProbeProcess {
  stdout: NodeJS.ReadableStream | null;
  stderr: NodeJS.ReadableStream | null;
  onExit(listener: (code: number | null, signal: string | null) => void): void;
  onError(listener: (err: Error) => void): void;
  kill(): void;
}

/** Starts `script` (CommonJS source) as a plain Node process with `env`. */
export type ProbeLauncher = (script: string, env: NodeJS.ProcessEnv) => ProbeProcess;

/** The probe child as Node's (or Electron's, run as Node) own binary. */
export const nodeProbeLauncher: ProbeLauncher = (script, env) => {
  const child = spawn(process.execPath, ['-e', script], {
    env: { ...env, ELECTRON_RUN_AS_NODE: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
    windowsHide: true,
  });
  return {
    stdout: child.stdout,
    stderr: child.stderr,
    onExit: (listener) => child.on('close', listener),
    onError: (listener) => child.on('error', listener),
    kill: () => child.kill('SIGKILL'),
  };
};

export interface ChildProbeOptions {
  timeoutMs: number;
  /** Extra environment for the child (e.g. TF_CPP_MIN_LOG_LEVEL). */
  env?: Record<string, string>;
  launcher?: ProbeLauncher;
}

export function runChildProbe(target: ProbeTarget, options: ChildProbeOptions): Promise<ChildProbeResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = (options.launcher ?? nodeProbeLauncher)(CHILD_SCRIPT, {
      ...process.env,
      TF_CPP_MIN_LOG_LEVEL: '0', // keep TensorFlow's device and dlopen messages
      ...options.env,
      DWS_PROBE_TARGET: JSON.stringify(target),
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-65536)));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill();
    }, options.timeoutMs);
    let done = false;
    const finish = (exitCode: number | null, signal: string | null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      const line = stdout.split('\n').find((l) => l.startsWith(MARK));
      const report = line ? (JSON.parse(line.slice(MARK.length)) as ChildReport) : null;
      const outcome = report ? 'reported' : timedOut ? 'timeout' : 'crashed';
      resolve({ outcome, report, stderr, exitCode, signal, ms: performance.now() - started });
    };
    child.onError((err) => {
      stderr += `\n${err.message}`;
      finish(null, null);
    });
    child.onExit(finish);
  });
}

/** The file a package name resolves to from `base`, or null when it is not installed. Loads nothing. */
export function resolvePackage(name: string, base: string = defaultResolveBase()): string | null {
  try {
    return createRequire(base).resolve(name);
  } catch {
    return null;
  }
}

/** This module's own file: in the app bundle and under the test runner, packages resolve from here. */
export function defaultResolveBase(): string {
  return typeof __filename === 'string' ? __filename : path.join(process.cwd(), 'index.js');
}
