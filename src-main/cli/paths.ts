import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { forkTrainer } from '../training/forkTrainer';
import type { SpawnTrainer } from '../training/jobHost';

/** The installed package's root: found by walking up from this module (works from src and from dist). */
export function packageRoot(): string {
  let dir = __dirname;
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (
      existsSync(pkg) &&
      (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'dw-studio'
    ) {
      return dir;
    }
    const up = path.dirname(dir);
    if (up === dir) throw new Error('Cannot find the dw-studio package root');
    dir = up;
  }
}

export function packageVersion(): string {
  return (JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string })
    .version;
}

export function rendererDir(): string {
  return path.join(packageRoot(), 'dist', 'renderer');
}

/** Per-user data outside Electron: $DW_STUDIO_HOME, else the XDG config folder. */
export function userDataDir(): string {
  if (process.env.DW_STUDIO_HOME) return path.resolve(process.env.DW_STUDIO_HOME);
  const base = process.env.XDG_CONFIG_HOME ?? path.join(os.homedir(), '.config');
  return path.join(base, 'dw-studio');
}

/** The built trainer process entry (dist/main/trainer.cjs). */
export function trainerEntry(): string {
  return path.join(packageRoot(), 'dist', 'main', 'trainer.cjs');
}

/** The trainer process as the command line starts it: its cache (GPU checks) in the user's data. */
export function cliTrainer(): SpawnTrainer {
  return forkTrainer(trainerEntry(), { DW_STUDIO_CACHE_DIR: path.join(userDataDir(), 'cache') });
}

export function resourcesDir(): string {
  return path.join(packageRoot(), 'resources');
}

/** The built module an exported model ships with (dist/deploy/detector.mjs). */
export function deployModuleFile(): string {
  return path.join(packageRoot(), 'dist', 'deploy', 'detector.mjs');
}
