import { cp, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ProjectInfo } from '../shared/api/project';
import type { Handlers } from '../shared/contract';
import { AppError } from '../shared/errors';
import type { ServiceContext } from './context';

const CALL = { transport: 'direct' } as const;

/**
 * The first-run demo: the bundled sample (resources/sample/blood-cells) copied into the user folder
 * as an ordinary project, so it can be labeled, trained and moved like any other. Opened again after.
 */
export async function openSampleProject(ctx: ServiceContext, handlers: Handlers): Promise<ProjectInfo> {
  const resources = ctx.options.resourcesDir;
  if (!resources) throw new AppError('unsupported', 'This build of DW Studio has no sample project');
  const source = path.join(resources, 'sample', 'blood-cells');
  const dir = path.join(ctx.options.userDataDir, 'samples', 'blood-cells');
  const file = path.join(dir, 'blood-cells.dwproj');
  if (
    await stat(file).then(
      () => true,
      () => false,
    )
  )
    return handlers['project.open']({ path: file }, CALL);
  await cp(source, dir, { recursive: true });
  await handlers['project.create']({ path: file, name: 'Blood cells (sample)' }, CALL);
  await handlers['dataset.import'](
    { format: 'coco', path: path.join(dir, 'annotations.json'), existing: 'keep' },
    CALL,
  );
  return ctx.project().info();
}
