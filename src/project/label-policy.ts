/**
 * The one rule every labeling path follows (web page, CSV, Label Studio; issue 15 #2): a label for
 * an item without one is accepted; the same label again changes nothing; a different label for an
 * item that has one is a conflict, refused the same way everywhere, unless relabeling was asked for
 * explicitly (`--relabel`, `relabel: true`), in which case it is journaled as a correction
 * (source `<path>:correction`) and the previous label stays in the append-only label events.
 */

/** What a proposed label does to an item. */
export type LabelVerdict =
  | { readonly kind: 'new' }
  | { readonly kind: 'same' }
  | { readonly kind: 'correction'; readonly previous: number }
  | { readonly kind: 'conflict'; readonly previous: number };

/**
 * Decides a proposed label.
 * @param stored the item's current class index, or undefined when it has none
 * @param proposed the proposed class index
 * @param relabel whether the caller explicitly allows changing an existing label
 */
export function labelVerdict(stored: number | undefined, proposed: number, relabel: boolean): LabelVerdict {
  if (stored === undefined) return { kind: 'new' };
  if (stored === proposed) return { kind: 'same' };
  return relabel ? { kind: 'correction', previous: stored } : { kind: 'conflict', previous: stored };
}

/** The journal source of a label written through `path` (`web`, `import:csv`, …) under a verdict. */
export function labelSource(path: string, v: LabelVerdict): string {
  return v.kind === 'correction' ? `${path}:correction` : path;
}

/**
 * The one conflict message of every path.
 * @param how how to relabel on this path (e.g. `pass --relabel`)
 */
export function conflictMessage(id: string, proposed: string, stored: string, how: string): string {
  return `conflicting label for ${id}: "${proposed}" here, "${stored}" already stored (${how} to correct it; the previous label stays in the journal)`;
}
