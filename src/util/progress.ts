/**
 * Progress reporting for long steps (encoding images, training rounds): a thin wrapper over
 * cli-progress that writes to stderr, so stdout stays clean for `--json` output.
 */
import cliProgress from 'cli-progress';

/** Options of {@link createProgress}. */
export interface ProgressOptions {
  /**
   * Show a live bar. Default: only when the stream is a TTY and `process.env.CI` is not set. When
   * the bar is off, one summary line is printed at `stop()` instead (unless `silent`).
   */
  enabled?: boolean;
  /** Print nothing at all (library use, tests). Default false. */
  silent?: boolean;
  /** Where to write. Default `process.stderr`. */
  stream?: NodeJS.WritableStream;
}

/** A running progress report. */
export interface Progress {
  /** Records `n` (default 1) more finished items. Ignored after `stop()`. */
  tick(n?: number): void;
  /**
   * Ends the report: finishes the bar, or prints the summary line. Idempotent.
   * @param note said after the counts (e.g. `1,800 from the feature cache`): at the end of the
   *   summary line, or on a line of its own under a live bar
   */
  stop(note?: string): void;
}

/** Whether a live bar suits the environment: stream is a TTY and `CI` is unset. */
function liveBarByDefault(stream: NodeJS.WritableStream): boolean {
  const ci = process.env.CI;
  return (stream as NodeJS.WriteStream).isTTY === true && (ci === undefined || ci === '' || ci === '0' || ci === 'false');
}

/** Formats seconds as `12.3s`, `4m05s` or `1h02m`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const s = Math.round(seconds);
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/**
 * Starts a progress report of `total` items: a live bar `label [████░░] 40% | 400/1000 | 118.2 it/s |
 * ETA 5.1s` on a TTY, otherwise one line at the end: `label: 1000/1000 in 8.5s (118.2 it/s)`.
 * @param label what is being counted, e.g. `encode mobilenet_v1`.
 * @param total expected number of items (≥ 0).
 */
export function createProgress(label: string, total: number, opts: ProgressOptions = {}): Progress {
  const stream = opts.stream ?? process.stderr;
  const live = !opts.silent && (opts.enabled ?? liveBarByDefault(stream));
  const start = performance.now();
  let done = 0;
  let stopped = false;
  const rate = (): number => {
    const secs = (performance.now() - start) / 1000;
    return secs > 0 ? done / secs : 0;
  };

  let bar: cliProgress.SingleBar | null = null;
  if (live) {
    bar = new cliProgress.SingleBar(
      {
        stream,
        format: `${label} [{bar}] {percentage}% | {value}/{total} | {rate} it/s | ETA {eta_formatted}`,
        barsize: 24,
        hideCursor: true,
        clearOnComplete: false,
        etaBuffer: 50,
        fps: 5,
        // a bar forced on for a non-TTY stream (enabled: true) is written as plain lines
        noTTYOutput: (stream as NodeJS.WriteStream).isTTY !== true,
        notTTYSchedule: 2000,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(Math.max(0, total), 0, { rate: '0.0' });
  }

  return {
    tick(n = 1) {
      if (stopped) return;
      done += n;
      bar?.update(done, { rate: rate().toFixed(1) });
    },
    stop(note) {
      if (stopped) return;
      stopped = true;
      if (bar) {
        bar.update(done, { rate: rate().toFixed(1) });
        bar.stop();
        if (note) stream.write(`${label}: ${note}\n`);
      } else if (!opts.silent) {
        const secs = (performance.now() - start) / 1000;
        stream.write(`${label}: ${done}/${total} in ${formatDuration(secs)} (${rate().toFixed(1)} it/s)${note ? `; ${note}` : ''}\n`);
      }
    },
  };
}
