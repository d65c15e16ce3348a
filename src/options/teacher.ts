/**
 * The teacher spec (`--teacher`): which generalist teacher produces the probabilities the student
 * distills (SPEC §2, §7): the embedded label-transfer teacher, a local CLIP folder, or a file of
 * precomputed probabilities.
 */
import { UserError } from '../util/errors.ts';

/** The default teacher: the embedded ImageNet MobileNetV2 with a class map (zero-shot, no labels). */
export const DEFAULT_TEACHER = 'label-transfer';

/** Which teacher, parsed from `label-transfer`, `clip:DIR` or `precomputed:FILE`. */
export type TeacherSpec = { readonly kind: 'label-transfer' } | { readonly kind: 'clip'; readonly dir: string } | { readonly kind: 'precomputed'; readonly file: string };

/**
 * Parses a teacher spec.
 * @throws UserError `--teacher: expected label-transfer, clip:DIR or precomputed:FILE, got "…"` on anything else
 */
export function parseTeacherSpec(s: string): TeacherSpec {
  const t = s.trim();
  if (t === 'label-transfer') return { kind: 'label-transfer' };
  const m = /^(clip|precomputed):(.+)$/.exec(t);
  if (m && m[1] === 'clip') return { kind: 'clip', dir: m[2] as string };
  if (m && m[1] === 'precomputed') return { kind: 'precomputed', file: m[2] as string };
  throw new UserError(`--teacher: expected label-transfer, clip:DIR or precomputed:FILE, got "${s}"`);
}
