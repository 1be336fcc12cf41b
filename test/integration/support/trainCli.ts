// Running `dw-studio train / eval / predict` as built, and reading what they left in the project.
import Database from 'better-sqlite3';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { builtBundle, builtCli } from './bundle';

/** The built command and the trainer process it forks, with its compute workers. */
export async function builtCliWithTrainer(): Promise<string> {
  const bin = await builtCli();
  await builtBundle('trainer');
  await builtBundle('trainerWorker');
  return bin;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Settings that make a run take seconds: tiny inputs, one image a step, no warmup. */
export const TINY = ['--size', '64', '--batch', '1', '--warmup', '0'];

export function runCli(bin: string, home: string, args: string[], env: NodeJS.ProcessEnv = {}): CliResult {
  const r = spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env, DW_STUDIO_HOME: home },
  });
  return { code: r.status, stdout: r.stdout.trim(), stderr: r.stderr.trim() };
}

/** Starts the command without waiting; `detached` gives it its own process group, as a shell job has. */
export function startCli(
  bin: string,
  home: string,
  args: string[],
  detached = false,
  env: NodeJS.ProcessEnv = {},
) {
  const proc = spawn(process.execPath, [bin, ...args], {
    env: { ...process.env, ...env, DW_STUDIO_HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached,
  });
  let stdout = '';
  let stderr = '';
  proc.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  // Output is complete at 'close'; a trainer that outlived the command (it inherits stdout) could
  // hold the pipe open, so 'exit' also settles it, a moment later.
  const exited = new Promise<CliResult & { signal: NodeJS.Signals | null }>((resolve) => {
    const settle = () =>
      resolve({ code: proc.exitCode, signal: proc.signalCode, stdout: stdout.trim(), stderr: stderr.trim() });
    proc.on('close', settle);
    proc.on('exit', () => setTimeout(settle, 2000).unref());
  });
  return { proc, exited, output: () => ({ stdout, stderr }) };
}

/** Polls until `ready` holds, failing early if the process exits or after `timeoutMs`. */
export async function waitUntil(proc: ChildProcess, ready: () => boolean, what: string, timeoutMs = 45_000) {
  const until = Date.now() + timeoutMs;
  while (!ready()) {
    if (proc.exitCode !== null || proc.signalCode !== null)
      throw new Error(`the command exited (${proc.exitCode ?? proc.signalCode}) before ${what}`);
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** `promise`, or a failure naming `what` after `timeoutMs` (a command that hangs fails the test, not its timeout). */
export async function within<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The trainer processes a command forked (Linux /proc). */
export function childPids(pid: number): number[] {
  const file = `/proc/${pid}/task/${pid}/children`;
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
}

/** Whether a process is running (a zombie waiting to be reaped has exited). */
export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

export async function waitForExit(pid: number, timeoutMs = 10_000): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (isRunning(pid)) {
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

/** Rows of a project file, read as another process may be writing it (WAL readers do not block). */
export function queryProject<T>(project: string, sql: string): T[] {
  const db = new Database(project, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}

export interface RunRecord {
  id: number;
  status: string;
  error: string | null;
  /** Reported training steps in the order recorded (evaluations left out). */
  steps: number[];
}

/** The runs in the project file, read as another process may be writing it (WAL readers do not block). */
export function readRuns(project: string): RunRecord[] {
  if (!existsSync(project)) return [];
  const db = new Database(project, { readonly: true, fileMustExist: true });
  try {
    const runs = db.prepare('SELECT id, status, error FROM runs ORDER BY id').all() as Omit<
      RunRecord,
      'steps'
    >[];
    const metrics = db.prepare('SELECT step, metrics FROM run_metrics WHERE run_id = ? ORDER BY rowid');
    return runs.map((r) => ({
      ...r,
      steps: (metrics.all(r.id) as { step: number; metrics: string }[])
        .filter((m) => (JSON.parse(m.metrics) as { type: string }).type === 'step')
        .map((m) => m.step),
    }));
  } finally {
    db.close();
  }
}

/** Steps of the complete checkpoints of a run (a folder without its manifest is not one). */
export function checkpointSteps(project: string, runId: number): number[] {
  const dir = path.join(`${project}-data`, 'runs', String(runId), 'checkpoints');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((n) => /^step-\d+$/.test(n) && existsSync(path.join(dir, n, 'manifest.json')))
    .map((n) => Number(n.slice(5)))
    .sort((a, b) => a - b);
}
