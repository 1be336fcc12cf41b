import path from 'node:path';

export const PROJECT_EXTENSION = '.dwproj';

/** An absolute project file path, with the extension added when the user left it out. */
export function projectFilePath(p: string): string {
  const abs = path.resolve(p);
  return path.extname(abs).toLowerCase() === PROJECT_EXTENSION ? abs : `${abs}${PROJECT_EXTENSION}`;
}

/** The sibling folder for thumbnails, checkpoints and models: `<name>.dwproj-data`. */
export function dataDirFor(projectFile: string): string {
  return `${projectFile}-data`;
}

export function isDataDir(dir: string): boolean {
  return dir.toLowerCase().endsWith(`${PROJECT_EXTENSION}-data`);
}

/**
 * How an image path is stored: relative to the project's folder (with '/') when the image is below it,
 * so that moving the whole folder keeps every image; absolute otherwise.
 */
export function toStoredPath(projectDir: string, abs: string): string {
  const rel = path.relative(projectDir, abs);
  if (rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel)) return rel.split(path.sep).join('/');
  return abs;
}

export function toAbsolutePath(projectDir: string, stored: string): string {
  return path.isAbsolute(stored) ? stored : path.resolve(projectDir, stored);
}
