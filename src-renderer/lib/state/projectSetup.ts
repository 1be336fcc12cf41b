import type { DatasetFormat, ProjectInfo } from '../../../src-main/shared/api/project';
import { ApiError, type ApiClient } from '../api/client';

/** What a new project starts with: a dataset to import, or a folder of images to add. */
export type ProjectContents =
  { kind: 'dataset'; format: DatasetFormat; path: string } | { kind: 'folder'; path: string };

export type SetupOutcome =
  { ok: true; project: ProjectInfo; notice: string } | { ok: false; message: string };

export const FORMAT_NAMES: Record<DatasetFormat, string> = {
  coco: 'COCO',
  voc: 'Pascal VOC',
  yolo: 'YOLO',
};

const trimSlashes = (p: string) => (/^([A-Za-z]:)?[\\/]$/.test(p) ? p : p.replace(/[\\/]+$/, ''));
const sepOf = (p: string) => (p.includes('\\') && !p.includes('/') ? '\\' : '/');

function splitPath(p: string): { dir: string; base: string } {
  const clean = trimSlashes(p);
  const i = Math.max(clean.lastIndexOf('/'), clean.lastIndexOf('\\'));
  if (i < 0) return { dir: '', base: clean };
  const dir = clean.slice(0, i);
  // Keep the root's separator: the folder of "/a.json" is "/", of "C:\a.json" is "C:\".
  return {
    dir: dir === '' || /^[A-Za-z]:$/.test(dir) ? clean.slice(0, i + 1) : dir,
    base: clean.slice(i + 1),
  };
}

/**
 * Where a project made from `source` goes unless the user says otherwise: in the dataset's folder (the
 * folder itself, or the one holding a COCO json), named after that folder, so that images below it are
 * stored relative to the project and the whole folder can move.
 */
export function defaultProjectPath(contents: ProjectContents): string {
  const isFile = contents.kind === 'dataset' && contents.format === 'coco';
  const source = trimSlashes(contents.path.trim());
  const dir = isFile ? splitPath(source).dir : source;
  let name = splitPath(dir).base;
  if (!name || /^[A-Za-z]:$/.test(name)) {
    name = isFile ? splitPath(source).base.replace(/\.[^.]*$/, '') || 'project' : 'project';
  }
  const sep = sepOf(dir);
  return `${dir.endsWith('/') || dir.endsWith('\\') ? dir : dir + sep}${name}.dwproj`;
}

const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e)).replace(/\.$/, '');
const count = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString()} ${n === 1 ? one : many}`;

/**
 * Creates a project and fills it, or leaves the app as it was: no project open, and a message that
 * says what went wrong in the user's words. A project file already there is reused only when it is
 * empty (what an earlier failed attempt leaves behind); one with content is never touched.
 */
export async function setupProject(
  api: ApiClient,
  projectPath: string,
  contents: ProjectContents,
): Promise<SetupOutcome> {
  const path = /\.dwproj$/i.test(projectPath) ? projectPath : `${projectPath}.dwproj`;
  // A mistyped source must not leave a project (and its folders) behind: it is checked first.
  const missing = await checkSource(api, contents);
  if (missing) return { ok: false, message: missing };
  const opened = await createOrReuse(api, path);
  if ('message' in opened) return { ok: false, message: opened.message };
  const { project, reused } = opened;
  const file = project.path;

  const fail = async (what: string): Promise<SetupOutcome> => {
    await api.call('project.close').catch(() => undefined);
    const left = reused
      ? `The project file ${file} is still empty`
      : `The project file ${file} was created and is empty`;
    return { ok: false, message: `${what} ${left}: trying again with the same project file reuses it.` };
  };

  let notice: string;
  if (contents.kind === 'dataset') {
    const name = FORMAT_NAMES[contents.format];
    try {
      const r = await api.call('dataset.import', { format: contents.format, path: contents.path });
      const extra = r.unsupported.map((u) => `${u.count} ${u.what}`).join(', ');
      notice =
        `Imported ${count(r.images, 'image')}, ${count(r.boxes, 'box', 'boxes')} and ` +
        `${count(r.classes, 'class', 'classes')} from ${contents.path}` +
        (extra ? ` · not imported: ${extra}` : '') +
        (r.warnings.length ? ` · ${count(r.warnings.length, 'warning')}: ${r.warnings.join(' · ')}` : '');
    } catch (e) {
      return fail(`The ${name} import failed and nothing was imported: ${messageOf(e)}.`);
    }
  } else {
    try {
      const r = await api.call('images.add', { paths: [contents.path] });
      const reasons = r.failed
        .slice(0, 3)
        .map((f) => `${f.path} (${f.reason})`)
        .join('; ');
      if (r.added === 0) {
        return fail(
          `No image could be added from ${contents.path}${reasons ? `: ${reasons}` : ': it holds no JPEG, PNG, WebP, BMP or TIFF file'}.`,
        );
      }
      notice = `Added ${count(r.added, 'image')} from ${contents.path}`;
      if (r.duplicates.length) notice += ` · ${count(r.duplicates.length, 'duplicate')} skipped`;
      if (r.failed.length) notice += ` · ${r.failed.length} could not be read: ${reasons}`;
      for (const w of r.warnings) notice += ` · ${w.path}: ${w.reason}`;
    } catch (e) {
      return fail(`Adding the images of ${contents.path} failed: ${messageOf(e)}.`);
    }
  }
  if (reused) notice += ` · into the empty project ${file} left by an earlier attempt`;
  const current = await api.call('project.current').catch(() => null);
  return { ok: true, project: current ?? project, notice };
}

/** Why the source cannot be used (nothing at the path, or the wrong kind of thing), or null when it can. */
async function checkSource(api: ApiClient, contents: ProjectContents): Promise<string | null> {
  let kind: 'file' | 'folder' | 'missing';
  try {
    kind = await api.call('files.kind', { path: contents.path });
  } catch (e) {
    return `${contents.path} cannot be used: ${messageOf(e)}. Nothing was created.`;
  }
  const wantsFolder = contents.kind === 'folder' || contents.format === 'voc';
  const what = contents.kind === 'folder' ? 'folder' : `${FORMAT_NAMES[contents.format]} dataset`;
  if (kind === 'missing') {
    return `There is no ${what} at ${contents.path}: check the path. Nothing was created.`;
  }
  if (wantsFolder && kind !== 'folder') {
    const choose = contents.kind === 'folder' ? 'a folder of images' : `the ${what}'s folder`;
    return `${contents.path} is a file: choose ${choose}. Nothing was created.`;
  }
  return null;
}

async function createOrReuse(
  api: ApiClient,
  path: string,
): Promise<{ project: ProjectInfo; reused: boolean } | { message: string }> {
  try {
    return { project: await api.call('project.create', { path }), reused: false };
  } catch (e) {
    if (!(e instanceof ApiError) || e.code !== 'conflict')
      return { message: `The project ${path} could not be created: ${messageOf(e)}` };
  }
  // A file is there already: reuse it if it is an empty project, else leave it alone.
  let project: ProjectInfo;
  try {
    project = await api.call('project.open', { path });
  } catch (e) {
    return {
      message: `A file already exists at ${path} and it is not a DW Studio project it could open (${messageOf(e)}): choose another project file.`,
    };
  }
  if (project.imageCount === 0 && project.classCount === 0) return { project, reused: true };
  await api.call('project.close').catch(() => undefined);
  return {
    message:
      `A project already exists at ${project.path} (${count(project.imageCount, 'image')}): ` +
      'open it with “Open project”, or choose another project file.',
  };
}
