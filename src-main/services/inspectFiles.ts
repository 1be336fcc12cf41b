import path from 'node:path';
import { readImageFileSync, type ImageProbe } from '../imaging/probe';
import { UnreadableImageError } from '../imaging/unreadable';
import { verifyImageBuffer, type ImageVerdict } from '../imaging/verify';
import type { NewImage } from '../store/images';
import type { ProjectSession } from './session';
import { projectSplitSettings } from './splitSettings';
import { defaultSplit } from './splits';

/** How long one synchronous slice of reads may hold the event loop before it yields to calls and events. */
const SLICE_MS = 8;
/** Decodes at once: libuv's thread pool, where sharp decodes, has four threads. */
const DECODERS = 4;

/** A file that may enter the project: its probe, and why it is usable only with a warning, if it is. */
export interface InspectedImage extends ImageProbe {
  warning: string | null;
}

/**
 * Reads, hashes and fully decodes every file once (`verifyImageBuffer`): each result is the inspected
 * image, or the UnreadableImageError that keeps it out, with the reason. Reads run in short synchronous
 * slices with a yield between them; decodes run on the thread pool, a few at a time, so no more than a
 * few files' bytes are held at once. `verdicts` keeps decode results by content across calls (a
 * preview, then the import it previewed, decode each file once).
 */
export async function inspectImageFiles(
  files: readonly string[],
  onProgress: (done: number) => void,
  checkOpen: () => void,
  verdicts?: Map<string, ImageVerdict>,
): Promise<(InspectedImage | Error)[]> {
  const out = new Array<InspectedImage | Error>(files.length);
  const decoding = new Set<Promise<void>>();
  let done = 0;
  let next = 0;
  const settle = (i: number, probe: ImageProbe, v: ImageVerdict) => {
    verdicts?.set(probe.sha256, v);
    out[i] =
      v.status === 'refused'
        ? new UnreadableImageError(v.reason)
        : { ...probe, warning: v.status === 'warning' ? v.reason : null };
    done++;
  };
  while (next < files.length || decoding.size > 0) {
    const start = performance.now();
    while (next < files.length && decoding.size < DECODERS && performance.now() - start < SLICE_MS) {
      const i = next++;
      let read: ReturnType<typeof readImageFileSync>;
      try {
        read = readImageFileSync(files[i]!);
      } catch (e) {
        out[i] = e instanceof Error ? e : new Error(String(e));
        done++;
        continue;
      }
      const known = verdicts?.get(read.probe.sha256);
      if (known) {
        settle(i, read.probe, known);
        continue;
      }
      const task: Promise<void> = verifyImageBuffer(read.data, read.probe)
        .then(
          (v) => settle(i, read.probe, v),
          (e: unknown) => {
            out[i] = e instanceof Error ? e : new Error(String(e));
            done++;
          },
        )
        .finally(() => decoding.delete(task));
      decoding.add(task);
    }
    if (decoding.size >= DECODERS || (next >= files.length && decoding.size > 0)) {
      await Promise.race(decoding);
    } else {
      await new Promise((resolve) => setImmediate(resolve));
    }
    onProgress(done);
    checkOpen();
  }
  return out;
}

/**
 * The row a file becomes in the project: its path as stored, what the inspection found, and the split
 * its content gives it under the project's split settings.
 */
export function newImageRow(
  session: ProjectSession,
  file: string,
  probe: ImageProbe,
  settings = projectSplitSettings(session.store),
): NewImage {
  return {
    path: session.storedPath(file),
    fileName: path.basename(file),
    sha256: probe.sha256,
    bytes: probe.bytes,
    format: probe.format,
    width: probe.width,
    height: probe.height,
    orientation: probe.orientation,
    split: defaultSplit(probe.sha256, settings.seed, settings.valFraction),
    realPath: probe.realPath,
    mtimeMs: probe.mtimeMs,
  };
}
