import { probeImageFileSync, type ImageProbe } from '../imaging/probe';

/** How long one synchronous slice may hold the event loop before it yields to pending calls and events. */
const SLICE_MS = 8;

/**
 * Probes many files (size, orientation, sha256) in time slices: synchronous reads within a slice, a
 * yield between slices. Each result is the probe or the error that made the file unusable.
 */
export async function probeFiles(
  files: readonly string[],
  onProgress: (done: number) => void,
  checkOpen: () => void,
): Promise<(ImageProbe | Error)[]> {
  const out: (ImageProbe | Error)[] = [];
  while (out.length < files.length) {
    const start = performance.now();
    do {
      try {
        out.push(probeImageFileSync(files[out.length]!));
      } catch (e) {
        out.push(e instanceof Error ? e : new Error(String(e)));
      }
    } while (out.length < files.length && performance.now() - start < SLICE_MS);
    onProgress(out.length);
    await new Promise((resolve) => setImmediate(resolve));
    checkOpen();
  }
  return out;
}
