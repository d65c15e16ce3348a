/** Small helpers shared by the benchmark sections: the median of timings, a full garbage collection. */
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Median of `xs` (the mean of the two middle values for an even count); NaN for none. */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** A full garbage collection (V8's `gc`, exposed at run time: no `--expose-gc` flag needed). */
export const collectGarbage: () => void = (() => {
  v8.setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();
