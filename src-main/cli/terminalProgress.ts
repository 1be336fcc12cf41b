// Progress on stderr for the long commands (training, a download): a bar on a terminal
// (cli-progress), and in a log or a pipe a plain line every few seconds, so a run under nohup or CI
// shows how far it got without control characters.
import cliProgress from 'cli-progress';
import { humanBytes } from '../shared/bytes';

export interface TerminalProgressOptions {
  /** The bar's cli-progress format ({bar}, {percentage} and the payload's fields). */
  format: string;
  /** Without a terminal: at most one line this often. */
  lineEveryMs: number;
  /** Without a terminal: write the first update at once (else only after `lineEveryMs`). */
  lineAtStart: boolean;
  /** Redraw the bar 4 times a second even when nothing changed (after a line was logged above it). */
  forceRedraw?: boolean;
}

export class TerminalProgress {
  readonly #stream = process.stderr;
  readonly #options: TerminalProgressOptions;
  #bar: cliProgress.SingleBar | null = null;
  /** Without a terminal: the last line, the last one written, and when. */
  #line = '';
  #written = '';
  #writtenAt: number;

  constructor(options: TerminalProgressOptions) {
    this.#options = options;
    this.#writtenAt = options.lineAtStart ? 0 : Date.now();
  }

  /** Shows `value` of `total`: the bar with `payload`, or `line` in a log. */
  update(value: number, total: number, payload: Record<string, string>, line: string): void {
    this.#line = line;
    if (!this.#stream.isTTY) {
      if (Date.now() - this.#writtenAt >= this.#options.lineEveryMs) this.#flush();
    } else if (!this.#bar) {
      this.#bar = new cliProgress.SingleBar(
        {
          stream: this.#stream,
          format: this.#options.format,
          barsize: 24,
          hideCursor: true,
          fps: 4,
          forceRedraw: this.#options.forceRedraw ?? false,
        },
        cliProgress.Presets.shades_classic,
      );
      this.#bar.start(total, value, payload);
    } else {
      this.#bar.setTotal(total);
      this.#bar.update(value, payload);
    }
  }

  /** Writes a line (to stdout) above the bar, which redraws below it. */
  log(line: string): void {
    const tty = this.#bar !== null;
    if (tty) this.#stream.write('\r\x1b[2K');
    console.log(line);
    // The bar restores the cursor it saved at start when it stops: save it again on its new line.
    if (tty) this.#stream.write('\x1b7');
  }

  /** Ends the bar, or writes the last state if the log has not seen it. */
  stop(): void {
    if (this.#bar) {
      this.#bar.stop();
      this.#bar = null;
      // The bar showed the last state.
      this.#written = this.#line;
    }
    this.#flush();
  }

  #flush(): void {
    if (this.#line === this.#written) return;
    this.#stream.write(`${this.#line}\n`);
    this.#written = this.#line;
    this.#writtenAt = Date.now();
  }
}

/** A download of weights file `id`: received of total bytes, the speed, the percentage. */
export class DownloadLine {
  // The "Downloading …" line stands for the start: the first progress line comes a while after.
  readonly #out = new TerminalProgress({
    format: '{label} [{bar}] {percentage}% | {amount} | {speed}',
    lineEveryMs: 2_000,
    lineAtStart: false,
  });

  constructor(private readonly id: string) {}

  update(p: { received: number; total: number; bytesPerSecond: number }): void {
    const amount = `${humanBytes(p.received)} / ${humanBytes(p.total)}`;
    const speed = `${humanBytes(p.bytesPerSecond)}/s`;
    const percent = p.total > 0 ? Math.floor((p.received / p.total) * 100) : 0;
    this.#out.update(
      p.received,
      p.total,
      { label: this.id, amount, speed },
      `${this.id}: ${amount} (${percent} %), ${speed}`,
    );
  }

  stop(): void {
    this.#out.stop();
  }
}
