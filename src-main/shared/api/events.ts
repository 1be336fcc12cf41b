import { z } from 'zod';
import { VIEW_NAMES } from '../defaults';
import { ProjectInfo } from './project';

/** Progress of any long operation (import, thumbnails, training, prediction...). */
export const TaskProgress = z.object({
  taskId: z.string(),
  kind: z.string(),
  /** Short, user-facing: "Importing COCO annotations". */
  label: z.string(),
  done: z.number(),
  total: z.number().nullable(),
  state: z.enum(['running', 'done', 'failed', 'cancelled']),
  message: z.string().optional(),
});
export type TaskProgress = z.infer<typeof TaskProgress>;

export const ViewName = z.enum(VIEW_NAMES);
export type ViewName = z.infer<typeof ViewName>;

/** A command from the native menu (desktop) for the renderer to carry out. */
export const AppCommand = z.discriminatedUnion('command', [
  z.object({ command: z.literal('navigate'), view: ViewName }),
  z.object({ command: z.literal('new-project') }),
  z.object({ command: z.literal('open-project') }),
  z.object({ command: z.literal('close-project') }),
  z.object({ command: z.literal('shortcuts') }),
]);
export type AppCommand = z.infer<typeof AppCommand>;

export const eventSchemas = {
  'task.progress': TaskProgress,
  'app.command': AppCommand,
  /** The open project changed (opened, closed, renamed, counts changed); null when none is open. */
  'project.changed': z.object({ project: ProjectInfo.nullable() }),
  /** Images were added, removed or changed; `ids` null means "reload everything". */
  'images.changed': z.object({ ids: z.array(z.number().int()).nullable() }),
  'classes.changed': z.object({}),
};
