// Which image of the project a dataset's `file_name` means. A results file refers to images by the
// ids of a COCO file, and those ids are that file's own: the file names are what the two sides share.

export interface NamedImage {
  id: number;
  /** Relative to the project file ('/' or '\' separated), or absolute. */
  path: string;
  fileName: string;
}

export type NameMatch = { id: number } | { ambiguous: number[] } | null;

const segments = (p: string) =>
  p
    .replace(/\\/g, '/')
    .split('/')
    .filter((s) => s !== '' && s !== '.');

/** How many trailing path segments two paths share. */
function sharedTail(a: readonly string[], b: readonly string[]): number {
  let n = 0;
  while (n < a.length && n < b.length && a[a.length - 1 - n] === b[b.length - 1 - n]) n++;
  return n;
}

/**
 * A matcher over the project's images. A name matches the image with that file name (the last part
 * of the path; case-insensitively when no exact one exists). Where several images share it, the one
 * whose path shares the most trailing folders with the name wins, and a tie is ambiguous. A name
 * that DW Studio's own export gave a clashing file (`a_17.png` for image 17, `a.png`) finds image 17.
 */
export function imageNameMatcher(images: readonly NamedImage[]): (name: string) => NameMatch {
  const exact = new Map<string, NamedImage[]>();
  const folded = new Map<string, NamedImage[]>();
  const byId = new Map<number, NamedImage>();
  const add = (m: Map<string, NamedImage[]>, key: string, im: NamedImage) => {
    const list = m.get(key);
    if (list) list.push(im);
    else m.set(key, [im]);
  };
  for (const im of images) {
    add(exact, im.fileName, im);
    add(folded, im.fileName.toLowerCase(), im);
    byId.set(im.id, im);
  }
  return (name) => {
    const parts = segments(name);
    const base = parts[parts.length - 1];
    if (base === undefined) return null;
    let found = exact.get(base) ?? folded.get(base.toLowerCase());
    if (!found) {
      const renamed = /^(.*)_(\d+)(\.[^.]*)?$/.exec(base);
      const im = renamed ? byId.get(Number(renamed[2])) : undefined;
      if (im && im.fileName.toLowerCase() === `${renamed![1]}${renamed![3] ?? ''}`.toLowerCase())
        found = [im];
    }
    if (!found) return null;
    if (found.length === 1) return { id: found[0]!.id };
    const scored = found.map((im) => ({ id: im.id, tail: sharedTail(segments(im.path), parts) }));
    const best = Math.max(...scored.map((s) => s.tail));
    const winners = scored.filter((s) => s.tail === best).map((s) => s.id);
    return winners.length === 1 ? { id: winners[0]! } : { ambiguous: winners };
  };
}
