import type { ViewName } from '../../../src-main/shared/api/events';
import { VIEW_NAMES } from '../../../src-main/shared/defaults';

/** Where the app is, as the URL hash keeps it (so a reload comes back to the same view and image). */
export interface AppLocation {
  view: ViewName;
  /** The image Annotate (and Inspect) show. */
  image: number | null;
}

/** `#/annotate?image=42` → { view: 'annotate', image: 42 }; anything unknown → the Library. */
export function readLocation(hash: string): AppLocation {
  const [path = '', query = ''] = hash.replace(/^#\/?/, '').split('?');
  const view = (VIEW_NAMES as readonly string[]).includes(path) ? (path as ViewName) : 'library';
  const image = Number(new URLSearchParams(query).get('image'));
  return {
    view,
    image: Number.isInteger(image) && image > 0 ? image : null,
  };
}

export function writeLocation(l: AppLocation): string {
  return `#/${l.view}${l.image !== null ? `?image=${l.image}` : ''}`;
}
