// How many physical cores this machine has: the default number of compute workers. Each WebAssembly
// worker runs one thread, and two of them on the two hyperthreads of one core mostly wait for each
// other's arithmetic units, so a worker per physical core is the right default.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';

export interface CoreFacts {
  platform: NodeJS.Platform;
  logical: number;
  /** Linux: the thread-sibling lists of every CPU (one per core, shared by its hyperthreads). */
  siblingLists?: string[];
  /** macOS: `sysctl -n hw.physicalcpu`. */
  sysctlPhysical?: number | null;
}

/** Physical cores from the facts: distinct sibling lists on Linux, sysctl on macOS, else the logical count. */
export function physicalCoresFrom(f: CoreFacts): number {
  const logical = Math.max(1, f.logical);
  if (f.siblingLists && f.siblingLists.length > 0) return Math.max(1, new Set(f.siblingLists).size);
  if (f.sysctlPhysical && f.sysctlPhysical > 0) return Math.min(logical, f.sysctlPhysical);
  return logical;
}

function linuxSiblingLists(): string[] {
  const root = '/sys/devices/system/cpu';
  try {
    return readdirSync(root)
      .filter((n) => /^cpu\d+$/.test(n))
      .map((n) => readFileSync(`${root}/${n}/topology/thread_siblings_list`, 'utf8').trim());
  } catch {
    return [];
  }
}

function macPhysical(): number | null {
  try {
    return Number(execFileSync('sysctl', ['-n', 'hw.physicalcpu'], { timeout: 2000 }).toString().trim());
  } catch {
    return null;
  }
}

let cached: number | null = null;

/** Physical cores of this machine (cached). Windows reports only logical processors here. */
export function physicalCores(): number {
  if (cached !== null) return cached;
  const logical =
    typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  cached = physicalCoresFrom({
    platform: process.platform,
    logical,
    siblingLists: process.platform === 'linux' ? linuxSiblingLists() : undefined,
    sysctlPhysical: process.platform === 'darwin' ? macPhysical() : undefined,
  });
  return cached;
}
