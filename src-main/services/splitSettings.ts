import type { ProjectStore } from '../store/projectStore';
import { DEFAULT_VAL_FRACTION } from './splits';

/** The seed and val fraction of the project's last split assignment (new images follow them). */
export function projectSplitSettings(store: ProjectStore): { seed: number; valFraction: number } {
  const seed = Number(store.meta.get('split_seed') ?? 0);
  const valFraction = Number(store.meta.get('val_fraction') ?? DEFAULT_VAL_FRACTION);
  return {
    seed: Number.isFinite(seed) ? seed : 0,
    valFraction: Number.isFinite(valFraction) ? valFraction : DEFAULT_VAL_FRACTION,
  };
}

export function saveSplitSettings(store: ProjectStore, seed: number, valFraction: number): void {
  store.meta.set('split_seed', String(seed));
  store.meta.set('val_fraction', String(valFraction));
}
