import type { Rng } from '../util/rng.ts';
import { UserError } from '../util/errors.ts';

/**
 * The seeded initial labeled set: `shots` random items of every class (SPEC.md §2.3,
 * `generate_fewshot_dataset(num_shots=1)`): classes in order of first appearance in the pool list,
 * items of a class drawn uniformly without replacement.
 * @param labels ground-truth class per pool row (−1 rows are never chosen)
 * @param classNames class names in label order, to name classes in the error (default: their index)
 * @returns pool row indices, ascending
 * @throws UserError when a class has fewer than `shots` items, naming every such class (e.g. `class
 *   "bird" has 1 image, fewer than --initial-shots 2`)
 */
export function initialLabeledSet(labels: Int32Array, shots: number, rng: Rng, classNames?: readonly string[]): Uint32Array {
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i] as number;
    if (y < 0) continue;
    let list = byClass.get(y);
    if (!list) byClass.set(y, (list = []));
    list.push(i);
  }
  const name = (y: number): string => (classNames?.[y] !== undefined ? `"${classNames[y]}"` : String(y));
  const images = (n: number): string => `${n} image${n === 1 ? '' : 's'}`;
  const short = [...byClass].filter(([, items]) => items.length < shots).sort(([a], [b]) => a - b);
  if (short.length === 1) {
    const [y, items] = short[0] as [number, number[]];
    throw new UserError(`class ${name(y)} has ${images(items.length)}, fewer than --initial-shots ${shots}`);
  }
  if (short.length > 1) throw new UserError(`${short.length} classes have fewer images than --initial-shots ${shots}: ${short.map(([y, items]) => `${name(y)} (${images(items.length)})`).join(', ')}`);
  const out: number[] = [];
  for (const items of byClass.values()) out.push(...rng.sample(items, shots));
  return Uint32Array.from(out.sort((a, b) => a - b));
}
