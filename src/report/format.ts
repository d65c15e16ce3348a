/**
 * Small text formatters shared by the report writers: CSV, HTML escaping and tables, mean ± CI.
 */

/** `mean ± ci95` with `d` decimals (`mean` alone for one seed, `—` when unknown). */
export const fmt = (s: { mean: number; ci95: number; n: number }, d = 2): string => (Number.isFinite(s.mean) ? (s.n > 1 ? `${s.mean.toFixed(d)} ± ${s.ci95.toFixed(d)}` : s.mean.toFixed(d)) : '—');

const csvCell = (v: unknown): string => {
  const s = v === null || v === undefined || (typeof v === 'number' && !Number.isFinite(v)) ? '' : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** RFC 4180 CSV text with a header line; null, undefined and non-finite numbers become empty cells. */
export const csv = (head: string[], rows: unknown[][]): string => [head, ...rows].map((r) => r.map(csvCell).join(',')).join('\n') + '\n';

/** Escapes text for HTML element content and attribute values in double quotes. */
export const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** An HTML table; `head` is escaped here, `rows` cells must be HTML already. */
export function htmlTable(head: string[], rows: string[][], id?: string): string {
  return `<table${id ? ` id="${id}"` : ''}><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

/** A p-value for tables: 4 decimals, scientific below 1e-4, `—` when undefined. */
export const pfmt = (p: number | null): string => (p === null ? '—' : p < 1e-4 ? p.toExponential(1) : p.toFixed(4));
