import type { ClassInfo } from '../shared/api/project';
import type { Handlers } from '../shared/contract';
import { AppError } from '../shared/errors';
import type { ProjectStore } from '../store/projectStore';
import type { ServiceContext } from './context';
import { nextColor, nextHotkey } from './palette';

type ClassHandlers = Pick<
  Handlers,
  'classes.list' | 'classes.add' | 'classes.update' | 'classes.merge' | 'classes.delete'
>;

export function classHandlers(ctx: ServiceContext): ClassHandlers {
  /** A class change moves boxes between classes or deletes them: every count may change. */
  const changed = () => {
    ctx.project().refreshCounts();
    ctx.classesChanged();
    ctx.imagesChanged(null);
    ctx.projectChanged();
  };
  return {
    'classes.list': () => ctx.project().store.classes.list(),
    'classes.add': ({ name, color, hotkey }) => {
      const { store } = ctx.project();
      checkName(store, name, null);
      if (hotkey) checkHotkey(store, hotkey, null);
      const existing = store.classes.list();
      const c = store.classes.add({
        name,
        color: color ?? nextColor(existing.map((e) => e.color)),
        hotkey: hotkey === undefined ? nextHotkey(existing.map((e) => e.hotkey)) : hotkey,
      });
      ctx.project().refreshCounts();
      ctx.classesChanged();
      ctx.projectChanged();
      return c;
    },
    'classes.update': ({ id, name, color, hotkey }) => {
      const { store } = ctx.project();
      requireClass(store, id);
      if (name !== undefined) checkName(store, name, id);
      if (hotkey) checkHotkey(store, hotkey, id);
      const c = store.classes.update(id, { name, color, hotkey });
      ctx.classesChanged();
      return c;
    },
    'classes.merge': ({ sourceId, targetId }) => {
      const { store } = ctx.project();
      requireClass(store, sourceId);
      requireClass(store, targetId);
      if (sourceId === targetId)
        throw new AppError('invalid_request', 'A class cannot be merged into itself');
      store.classes.merge(sourceId, targetId);
      changed();
      return null;
    },
    'classes.delete': ({ id, boxes, reassignTo }) => {
      const { store } = ctx.project();
      requireClass(store, id);
      if (boxes === 'reassign') {
        if (reassignTo === id) throw new AppError('invalid_request', 'Reassign the boxes to another class');
        requireClass(store, reassignTo!);
        store.classes.merge(id, reassignTo!);
      } else {
        store.classes.deleteWithBoxes(id);
      }
      changed();
      return null;
    },
  };
}

function requireClass(store: ProjectStore, id: number): ClassInfo {
  const c = store.classes.get(id);
  if (!c) throw new AppError('not_found', `No class with id ${id}`);
  return c;
}

function checkName(store: ProjectStore, name: string, self: number | null): void {
  const other = store.classes.findByName(name);
  if (other && other.id !== self)
    throw new AppError('conflict', `A class named "${other.name}" already exists`);
}

function checkHotkey(store: ProjectStore, hotkey: string, self: number | null): void {
  const other = store.classes.findByHotkey(hotkey);
  if (other && other.id !== self) {
    throw new AppError('conflict', `The hotkey ${hotkey} already selects the class "${other.name}"`);
  }
}
