import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { RecentProject } from '../shared/api/project';

const MAX_RECENT = 20;

/** The recently opened projects: a small JSON in the user's app data folder, newest first. */
export class RecentProjects {
  readonly #file: string;

  constructor(userDataDir: string) {
    this.#file = path.join(userDataDir, 'recent-projects.json');
  }

  async list(): Promise<RecentProject[]> {
    return (await this.#read()).map((r) => ({ ...r, exists: existsSync(r.path) }));
  }

  async add(projectPath: string, name: string): Promise<void> {
    const entries = (await this.#read()).filter((r) => r.path !== projectPath);
    entries.unshift({ path: projectPath, name, openedAt: new Date().toISOString() });
    await mkdir(path.dirname(this.#file), { recursive: true });
    // Write beside and rename: a crash mid-write never leaves a broken list.
    const tmp = `${this.#file}.${process.pid}.tmp`;
    await writeFile(tmp, `${JSON.stringify(entries.slice(0, MAX_RECENT), null, 2)}\n`);
    await rename(tmp, this.#file);
  }

  /** A missing or damaged list is an empty one: it is a convenience, never a reason to fail. */
  async #read(): Promise<Omit<RecentProject, 'exists'>[]> {
    try {
      const data: unknown = JSON.parse(await readFile(this.#file, 'utf8'));
      if (!Array.isArray(data)) return [];
      return data.filter(
        (r): r is Omit<RecentProject, 'exists'> =>
          typeof r === 'object' &&
          r !== null &&
          typeof r.path === 'string' &&
          typeof r.name === 'string' &&
          typeof r.openedAt === 'string',
      );
    } catch {
      return [];
    }
  }
}
