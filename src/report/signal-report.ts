/**
 * Report sections of the picked-class histograms (ANCHORS.md #8) and the stopping signals (ANCHORS.md
 * #10): their CSV tables and HTML sections. Runs whose results.json lack the fields are named in the
 * sections and left out of the means.
 */
import { STOPPING_SIGNALS } from '../eval/aggregate-signals.ts';
import type { BenchSummary } from '../eval/aggregate.ts';
import type { Stat } from '../eval/stats.ts';
import { csv, esc, fmt, htmlTable } from './format.ts';
import { STOPPING_SIGNAL_LABELS } from './signal-plots.ts';

/** `picked-classes.csv` (one row per group × query round × kind × class) and `stopping.csv` (group × round × signal). */
export function signalCsvs(s: BenchSummary, classNames: readonly string[]): Record<string, string> {
  return {
    'picked-classes.csv': csv(
      ['strategy', 'framework', 'round', 'kind', 'class', 'class_name', 'mean', 'ci95', 'n'],
      s.groups.flatMap((g) => g.pickedClasses.flatMap((p) => (['true', 'predicted'] as const).flatMap((kind) => p[kind].map((st, c) => [g.strategy, g.framework, p.round, kind, c, classNames[c] ?? '', st.mean, st.ci95, st.n])))),
    ),
    'stopping.csv': csv(
      ['strategy', 'framework', 'round', 'labeled', 'signal', 'mean', 'ci95', 'n'],
      s.groups.flatMap((g) => g.stopping.flatMap((r) => STOPPING_SIGNALS.flatMap((sig) => (r.signals[sig] ? [[g.strategy, g.framework, r.round, r.labeled, sig, r.signals[sig].mean, r.signals[sig].ci95, r.signals[sig].n]] : [])))),
    ),
  };
}

/** A note naming the runs that lack a field ('' when none does). */
export function lackingNote(lacking: readonly string[], totalRuns: number, what: string): string {
  if (lacking.length === 0) return '';
  const shown = lacking.slice(0, 20).map(esc).join(', ') + (lacking.length > 20 ? `, and ${lacking.length - 20} more` : '');
  const head = lacking.length >= totalRuns ? `No run records ${what}` : `${lacking.length} of ${totalRuns} runs lack ${what} and are left out of the means`;
  return `<p class="lacking">${head} (results.json written by an older activekd, or with --no-analysis): ${shown}.</p>`;
}

const totalRuns = (s: BenchSummary): number => s.groups.reduce((a, g) => a + g.seeds.length, 0);

/**
 * The "Picked classes per round" section: per group, the picked count per true class summed over
 * the query rounds (mean over seeds), the classes never picked, and the heatmaps.
 */
export function pickedClassesHtml(s: BenchSummary, classNames: readonly string[], figures: string): string {
  const C = Math.max(0, ...s.groups.flatMap((g) => g.pickedClasses.map((p) => p.true.length)));
  const name = (c: number): string => classNames[c] ?? String(c);
  const groups = s.groups.filter((g) => g.pickedClasses.length > 0);
  const table =
    groups.length === 0
      ? ''
      : htmlTable(
          ['Strategy', 'Framework', ...Array.from({ length: C }, (_, c) => name(c)), 'never picked'],
          groups.map((g) => {
            const total = Array.from({ length: C }, (_, c) => g.pickedClasses.reduce((a, p) => a + (p.true[c]?.mean ?? 0), 0));
            const never = total.flatMap((t, c) => (t === 0 ? [name(c)] : []));
            return [esc(g.strategy), esc(g.framework), ...total.map((t) => t.toFixed(1)), never.length > 0 ? esc(never.join(', ')) : '—'];
          }),
          'picked-classes',
        );
  return `<h2>Picked classes per round</h2>
<p>Each query round's picked batch counted per true class (oracle labels) and per predicted class (argmax of the student's combined probabilities at selection time), mean over seeds; <code>picked-classes.csv</code> has every round with 95% CIs. The table sums the true-class counts over the rounds: a class near 0 is (almost) never queried.</p>
${lackingNote(s.lacking.pickedClasses, totalRuns(s), 'the picked-class histograms')}
${table}
${figures}`;
}

const lastWith = (rounds: BenchSummary['groups'][number]['stopping'], sig: (typeof STOPPING_SIGNALS)[number]): { labeled: number; stat: Stat } | null => {
  for (let i = rounds.length - 1; i >= 0; i--) {
    const st = rounds[i]?.signals[sig];
    if (st && Number.isFinite(st.mean)) return { labeled: (rounds[i] as { labeled: number }).labeled, stat: st };
  }
  return null;
};

/** The "Stopping signals" section: definitions, the last recorded value of each signal per group, the plot. */
export function stoppingHtml(s: BenchSummary, figures: string): string {
  const table = htmlTable(
    ['Strategy', 'Framework', ...STOPPING_SIGNALS.map((sig) => STOPPING_SIGNAL_LABELS[sig])],
    s.groups.map((g) => [
      esc(g.strategy),
      esc(g.framework),
      ...STOPPING_SIGNALS.map((sig) => {
        const v = lastWith(g.stopping, sig);
        return v ? `${esc(fmt(v.stat, 3))} <small>@ ${v.labeled}</small>` : '—';
      }),
    ]),
    'stopping',
  );
  return `<h2>Stopping signals</h2>
<p>Per round, mean ± 95% CI over seeds, at the last round that has each (<small>@ labels</small>); <code>stopping.csv</code> has every round. <b>Coverage radius</b>: the largest L2 distance (student combined probabilities) from an unlabeled item to its nearest labeled item — the k-center objective PCoreSet reduces. <b>Teacher–student agreement</b>: fraction of the unlabeled pool where the student's and the (zero-shot) teacher's top class agree; runs with a teacher only. <b>Prediction stability</b>: fraction of the still-unlabeled items whose predicted class did not change since the previous round (Bloodgood &amp; Vijay-Shanker 2009). <b>Accuracy gain per label</b>: change of test accuracy (percentage points) per added label since the previous round, from the learning curves (every run). A flat radius, agreement and stability on a plateau and a gain near 0 say that more labels pay little.</p>
${lackingNote(s.lacking.stopping, totalRuns(s), 'the per-round stopping signals (radius, agreement, stability)')}
${table}
${figures}`;
}
