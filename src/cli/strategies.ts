/**
 * `activekd strategies`: every selection strategy of the registry (src/strategies/registry.ts) with
 * its one-line description, its aliases and its `--option key=value` settings (allowed values,
 * default, meaning).
 */
import { STRATEGIES, STRATEGY_ALIASES, strategyNames, type OptionSpec } from '../strategies/registry.ts';

const allowed = (spec: OptionSpec): string => {
  if (spec.kind === 'enum') return spec.values.join('|');
  if (spec.kind === 'positiveInteger') return 'positive integer';
  const lo = spec.min === Number.MIN_VALUE ? '(0' : `[${spec.min}`;
  const hi = spec.max === Number.MAX_SAFE_INTEGER ? '∞)' : `${spec.max}]`;
  return `${spec.integer ? 'integer' : 'number'} in ${lo}, ${hi}`;
};

/**
 * The listing `activekd strategies` prints: per strategy one line `name  description` (with its
 * aliases), then one indented line per option, `key=<allowed>: doc (default: v)`.
 */
export function strategiesListing(): string {
  const names = strategyNames();
  const width = Math.max(...names.map((n) => n.length));
  const lines: string[] = [];
  for (const name of names) {
    const e = STRATEGIES[name];
    const aliases = Object.entries(STRATEGY_ALIASES).filter(([, v]) => v === name).map(([k]) => k);
    lines.push(`${name.padEnd(width)}  ${e.description}${aliases.length > 0 ? ` (alias: ${aliases.join(', ')})` : ''}`);
    const defaults = e.defaults as Readonly<Record<string, unknown>>;
    for (const [key, spec] of Object.entries(e.options)) {
      const d = defaults[key];
      lines.push(`    ${key}=<${allowed(spec)}>: ${spec.doc}${d === undefined ? '' : ` (default: ${String(d)})`}`);
    }
  }
  lines.push('', 'Set an option with `activekd select --option key=value` (repeatable).');
  return lines.join('\n');
}
