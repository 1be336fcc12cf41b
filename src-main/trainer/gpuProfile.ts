// The throwaway browser profile of a GPU page: made in the temp folder for one browser, marked with
// the trainer that made it, and removed when that browser closes. A trainer killed without a word
// cannot remove its own; the next trainer that opens a GPU page removes those whose trainer is gone.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export const PROFILE_PREFIX = 'dw-studio-gpu-';
/** The file in a profile that names the process (pid) it belongs to. */
const OWNER_FILE = 'dw-studio-owner';
/** A profile without an owner file (one cut off as it was made) is left alone this long. */
const UNOWNED_KEEP_MS = 60 * 60 * 1000;
const REMOVE_ATTEMPTS = 20;
const REMOVE_DELAY_MS = 250;

/** A new profile folder in `tmp`, owned by this process. */
export function makeProfile(tmp = os.tmpdir()): string {
  const dir = mkdtempSync(path.join(tmp, PROFILE_PREFIX));
  writeFileSync(path.join(dir, OWNER_FILE), String(process.pid));
  return dir;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists, but belongs to another user.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes the profiles in `tmp` whose owner has ended; returns their paths. Never throws. */
export function sweepProfiles(tmp = os.tmpdir(), now = Date.now()): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(tmp).filter((n) => n.startsWith(PROFILE_PREFIX));
  } catch {
    return removed;
  }
  for (const name of names) {
    const dir = path.join(tmp, name);
    try {
      let owner: number | null = null;
      try {
        owner = Number(readFileSync(path.join(dir, OWNER_FILE), 'utf8'));
      } catch {
        // no owner file
      }
      const stale =
        owner !== null && Number.isInteger(owner) && owner > 0
          ? owner !== process.pid && !alive(owner)
          : now - statSync(dir).mtimeMs > UNOWNED_KEEP_MS;
      if (!stale) continue;
      rmSync(dir, { recursive: true, force: true });
      removed.push(dir);
    } catch {
      // in use, or gone meanwhile: the next sweep tries again
    }
  }
  return removed;
}

/**
 * Removes a profile after its browser has ended. The browser's helper processes may still write
 * there for a moment, so this tries for a few seconds; one it cannot remove is left to a later sweep,
 * as it must not fail the run that is closing.
 */
export async function removeProfile(dir: string): Promise<void> {
  for (let attempt = 0; attempt < REMOVE_ATTEMPTS; attempt++) {
    try {
      await rm(dir, { recursive: true, force: true });
      return;
    } catch {
      await new Promise((r) => setTimeout(r, REMOVE_DELAY_MS));
    }
  }
}
