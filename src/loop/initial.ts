import type { Rng } from '../util/rng.ts';
import { UserError } from '../util/errors.ts';

/**
 * The seeded initial labeled set: `shots` random items of every class (SPEC.md §2.3,
 * `generate_fewshot_dataset(num_shots=1)`): classes in order of first appearance in the pool list,
 * items of a class drawn uniformly without replacement.
 * @param labels ground-truth class per pool row (−1 rows are never chosen)
 * @returns pool row indices, ascending
 * @throws UserError when a class has fewer than `shots` items
 */
export function initialLabeledSet(labels: Int32Array, shots: number, rng: Rng): Uint32Array {
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i] as number;
    if (y < 0) continue;
    let list = byClass.get(y);
    if (!list) byClass.set(y, (list = []));
    list.push(i);
  }
  const out: number[] = [];
  for (const [y, items] of byClass) {
    if (items.length < shots) throw new UserError(`class ${y} has ${items.length} item(s), fewer than the ${shots} initial shot(s) asked for`);
    out.push(...rng.sample(items, shots));
  }
  return Uint32Array.from(out.sort((a, b) => a - b));
}
