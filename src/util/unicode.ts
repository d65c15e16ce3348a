/**
 * Unicode normalisation of names (issue 15 #4). Item ids and class names are compared in NFC
 * (canonical composition): "é" typed as one code point (U+00E9, what keyboards produce) and as
 * "e" + U+0301 (what macOS writes into file names) are the same name. File paths are never
 * normalised for opening: the name on disk is kept to open the file, its NFC form is the id.
 */

/** The NFC form of a name: the form every id and class name is compared in. */
export function nfc(s: string): string {
  return s.normalize('NFC');
}

/**
 * A note for messages when two names differ only by Unicode normalisation.
 * @returns ` (differs from "<other>" only by Unicode normalisation)` when `name` and `other`
 *   differ as strings but have the same NFC form; otherwise the empty string.
 */
export function normalisationNote(name: string, other: string): string {
  return name !== other && nfc(name) === nfc(other) ? ` (differs from "${other}" only by Unicode normalisation)` : '';
}

/**
 * A map keyed by the NFC form of its keys: `get("é")` finds an entry set under "é" whichever way
 * each was composed.
 */
export class NfcMap<V> {
  private readonly m = new Map<string, V>();

  constructor(entries: Iterable<readonly [string, V]> = []) {
    for (const [k, v] of entries) this.m.set(nfc(k), v);
  }

  /** The value stored under the NFC form of `key`. */
  get(key: string): V | undefined {
    return this.m.get(nfc(key));
  }

  /** True when a value is stored under the NFC form of `key`. */
  has(key: string): boolean {
    return this.m.has(nfc(key));
  }

  /** Stores `value` under the NFC form of `key`. */
  set(key: string, value: V): this {
    this.m.set(nfc(key), value);
    return this;
  }

  /** Number of distinct NFC keys. */
  get size(): number {
    return this.m.size;
  }
}

/**
 * Pairs of names of a list that are different strings with the same NFC form (two files "é.jpg"
 * in one folder, one composed and one decomposed: possible on Linux, ambiguous as ids).
 * @returns `[first, later]` pairs in list order; empty when every NFC form occurs once.
 */
export function normalisationClashes(names: Iterable<string>): [string, string][] {
  const first = new Map<string, string>();
  const out: [string, string][] = [];
  for (const name of names) {
    const key = nfc(name);
    const prev = first.get(key);
    if (prev === undefined) first.set(key, name);
    else if (prev !== name) out.push([prev, name]);
  }
  return out;
}
