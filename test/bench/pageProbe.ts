// What bench:ui measures inside the page. `installProbe` runs before the app's own scripts (Playwright's
// addInitScript) and is serialised into the page, so it uses nothing from this module's scope. Its
// clock is the page's performance.now(): 0 is the start of the navigation.
import type { Page } from 'playwright-core';

/** The few browser APIs the probe uses (the bench is type-checked with Node's types only). */
interface ProbeElement {
  complete?: boolean;
  naturalWidth?: number;
  decode?(): Promise<void>;
  getAttribute(name: string): string | null;
  querySelectorAll(selector: string): ArrayLike<ProbeElement>;
}
interface ProbeWindow {
  location: { hash: string };
  requestAnimationFrame(cb: (t: number) => void): number;
  addEventListener(
    type: 'keydown',
    fn: (e: { key: string; timeStamp: number }) => void,
    capture: boolean,
  ): void;
  document: {
    querySelector(selector: string): ProbeElement | null;
    querySelectorAll(selector: string): ArrayLike<ProbeElement>;
  };
  MutationObserver: new (cb: (records: Array<{ target: ProbeElement }>) => void) => {
    observe(
      target: object,
      options: { subtree: boolean; attributes: boolean; attributeFilter: string[] },
    ): void;
  };
  PerformanceObserver: new (cb: (list: { getEntries(): Array<{ duration: number }> }) => void) => {
    observe(options: { type: string }): void;
    disconnect(): void;
  };
  __dwProbe?: Probe;
}

export interface Probe {
  /** rAF timestamps while recording, else null. */
  frames: number[] | null;
  /** Durations of long animation frames (> 50 ms, Chromium's LoAF entries) while recording. */
  longFrames: number[];
  /** Key presses seen by the page: key and event time. */
  keys: Array<{ key: string; at: number }>;
  /** Annotate: each image shown on the stage (CanvasHost's data-loaded-url), at the frame that drew it. */
  shown: Array<{ url: string; at: number }>;
  /** Library: when the grid's first row had its cells, and when its thumbnails were all in a drawn frame. */
  firstRowCellsAt: number | null;
  firstRowAt: number | null;
  /** Inspect: each 'inspect:rendered' mark, and the frame in which its grid images were decoded and drawn. */
  inspectPainted: Array<{ rendered: number; at: number }>;
  /** Changes of one attribute of one element since countChanges was called. */
  changes: number;
  countChanges(selector: string, attribute: string): void;
  startFrames(): void;
  stopFrames(): { frames: number[]; longFrames: number[] };
}

export function installProbe(): void {
  const w = globalThis as unknown as ProbeWindow;
  let observer: { disconnect(): void } | null = null;
  const probe: Probe = {
    frames: null,
    longFrames: [],
    keys: [],
    shown: [],
    firstRowCellsAt: null,
    firstRowAt: null,
    inspectPainted: [],
    changes: 0,
    countChanges(selector, attribute) {
      probe.changes = 0;
      const el = w.document.querySelector(selector);
      if (!el) throw new Error(`no ${selector}`);
      new w.MutationObserver(() => probe.changes++).observe(el, {
        subtree: false,
        attributes: true,
        attributeFilter: [attribute],
      });
    },
    startFrames() {
      const frames: number[] = [];
      probe.frames = frames;
      probe.longFrames = [];
      const loop = (t: number) => {
        if (probe.frames !== frames) return;
        frames.push(t);
        w.requestAnimationFrame(loop);
      };
      w.requestAnimationFrame(loop);
      try {
        const o = new w.PerformanceObserver((list) => {
          for (const e of list.getEntries()) probe.longFrames.push(e.duration);
        });
        o.observe({ type: 'long-animation-frame' });
        observer = o;
      } catch {
        observer = null;
      }
    },
    stopFrames() {
      const frames = probe.frames ?? [];
      probe.frames = null;
      observer?.disconnect();
      return { frames, longFrames: probe.longFrames };
    },
  };
  w.__dwProbe = probe;
  w.addEventListener('keydown', (e) => probe.keys.push({ key: e.key, at: e.timeStamp }), true);

  // Konva draws in an animation frame requested when the image was set; a frame requested after that
  // runs after the draw, in the same frame.
  const now = () => performance.now();
  new w.MutationObserver((records) => {
    for (const r of records) {
      const url = r.target.getAttribute('data-loaded-url');
      if (url) w.requestAnimationFrame(() => probe.shown.push({ url, at: now() }));
    }
  }).observe(w.document, {
    subtree: true,
    attributes: true,
    attributeFilter: ['data-loaded-url'],
  });

  const watchFirstRow = () => {
    const row = w.document.querySelector('[data-testid=image-grid] .row');
    const cells = row ? Array.from(row.querySelectorAll('.cell')) : [];
    const imgs = row ? Array.from(row.querySelectorAll('img')) : [];
    if (cells.length > 0 && probe.firstRowCellsAt === null) probe.firstRowCellsAt = now();
    if (cells.length > 0 && imgs.length === cells.length && imgs.every((i) => i.complete && i.naturalWidth)) {
      void Promise.all(imgs.map((i) => i.decode?.())).then(() =>
        w.requestAnimationFrame(() => (probe.firstRowAt = now())),
      );
      return;
    }
    w.requestAnimationFrame(watchFirstRow);
  };
  // Only where the Library opens: elsewhere a query every frame would add the probe's own cost.
  if (w.location.hash.startsWith('#/library')) w.requestAnimationFrame(watchFirstRow);

  const mark = performance.mark.bind(performance);
  performance.mark = (...args: Parameters<typeof performance.mark>) => {
    const entry = mark(...args);
    if (args[0] === 'inspect:rendered') {
      const imgs = Array.from(w.document.querySelectorAll('[data-testid=heatmap-grid] img'));
      void Promise.all(imgs.map((i) => i.decode?.())).then(() =>
        w.requestAnimationFrame(() => probe.inspectPainted.push({ rendered: entry.startTime, at: now() })),
      );
    }
    return entry;
  };
}

export function probeOf(page: Page) {
  return {
    countChanges: (selector: string, attribute: string) =>
      page.evaluate(([s, a]) => (globalThis as unknown as ProbeWindow).__dwProbe!.countChanges(s, a), [
        selector,
        attribute,
      ] as const),
    startFrames: () => page.evaluate(() => (globalThis as unknown as ProbeWindow).__dwProbe!.startFrames()),
    stopFrames: () => page.evaluate(() => (globalThis as unknown as ProbeWindow).__dwProbe!.stopFrames()),
    read: <K extends keyof Probe>(key: K) =>
      page.evaluate((k) => (globalThis as unknown as ProbeWindow).__dwProbe![k], key) as Promise<Probe[K]>,
  };
}

export interface FrameStats {
  frames: number;
  seconds: number;
  p50: number;
  p95: number;
  max: number;
  /** Share of intervals over 25 ms: frames that missed their slot of a 60 Hz clock. */
  late: number;
  /** Long animation frames (> 50 ms) and the longest. */
  long: number;
  longMax: number;
}

export function frameStats(rec: { frames: number[]; longFrames: number[] }): FrameStats {
  const t = rec.frames;
  const intervals = t
    .slice(1)
    .map((v, i) => v - t[i]!)
    .sort((a, b) => a - b);
  return {
    frames: intervals.length,
    seconds: t.length > 1 ? (t.at(-1)! - t[0]!) / 1000 : 0,
    p50: percentile(intervals, 0.5),
    p95: percentile(intervals, 0.95),
    max: intervals.at(-1) ?? NaN,
    late: intervals.length ? intervals.filter((v) => v > 25).length / intervals.length : 0,
    long: rec.longFrames.length,
    longMax: rec.longFrames.length ? Math.max(...rec.longFrames) : 0,
  };
}

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}
