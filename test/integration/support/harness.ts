import Database from 'better-sqlite3';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { createServices, type Services } from '../../../src-main/services';
import type {
  EventName,
  EventPayload,
  MethodInput,
  MethodName,
  MethodOutput,
} from '../../../src-main/shared/contract';
import type { ErrorCode } from '../../../src-main/shared/errors';
import type { SpawnTrainer } from '../../../src-main/training/jobHost';
import { createDispatch } from '../../../src-main/transport/dispatch';

export const FIXTURES = path.resolve(__dirname, '../../fixtures/datasets');

/** A failed call, as the renderer would see it. */
export class CallError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface Harness {
  dir: string;
  services: Services;
  events: { name: EventName; payload: unknown }[];
  /** Calls a method through the same validating dispatch as IPC and serve mode. */
  call<M extends MethodName>(method: M, input?: MethodInput<M>): Promise<MethodOutput<M>>;
  eventsOf<E extends EventName>(name: E): EventPayload<E>[];
  dispose(): Promise<void>;
}

/** The app's services in this process; `spawnTrainer` gives them a trainer process (none by default). */
export function startServices(opts: { spawnTrainer?: SpawnTrainer } = {}): Harness {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dws-it-'));
  const services = createServices({
    appVersion: '0.0.0-test',
    mode: 'serve',
    userDataDir: path.join(dir, 'user'),
    ...(opts.spawnTrainer ? { spawnTrainer: opts.spawnTrainer } : {}),
  });
  const dispatch = createDispatch(services.handlers);
  const events: Harness['events'] = [];
  services.events.subscribe((name, payload) => events.push({ name, payload }));
  return {
    dir,
    services,
    events,
    async call(method, input) {
      const r = await dispatch(method, input ?? {}, { transport: 'direct' });
      if (!r.ok) throw new CallError(r.error.code, r.error.message);
      return r.value as never;
    },
    eventsOf: (name) => events.filter((e) => e.name === name).map((e) => e.payload) as never,
    async dispose() {
      await services.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A copy of a fixture dataset in `dir`, so a test may add, break or move files. */
export function copyFixture(name: 'bccd' | 'cards', dir: string): string {
  const dest = path.join(dir, name);
  cpSync(path.join(FIXTURES, name), dest, { recursive: true });
  return dest;
}

/** Every row the user's work lives in, to show that a failed operation changed nothing. */
export function snapshot(file: string): Record<string, unknown[]> {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const out: Record<string, unknown[]> = {};
    for (const t of ['project_meta', 'classes', 'images', 'boxes', 'predictions']) {
      out[t] = db.prepare(`SELECT * FROM ${t} ORDER BY rowid`).all();
    }
    out.sequence = db.prepare('SELECT * FROM sqlite_sequence ORDER BY name').all();
    return out;
  } finally {
    db.close();
  }
}

/** The file is a sound SQLite database: pages intact (`integrity_check`) and no dangling references. */
export function expectSoundDatabase(file: string): void {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(db.pragma('foreign_key_check')).toEqual([]);
  } finally {
    db.close();
  }
}
