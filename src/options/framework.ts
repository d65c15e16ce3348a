/**
 * The distillation framework of a run (paper Table 1 columns; SPEC §5, §7, §8.3): the one list and
 * type the student configuration, the loop and the CLI share.
 */
import { z } from 'zod';

/**
 * `zero-shot`: DHO distillation from fixed teacher probabilities; `few-shot`: from a CLAP probe
 * refitted on the labeled set (SPEC §7.2); `no-distill`: CE only on the labeled set (SPEC §8.3).
 */
export const FRAMEWORKS = ['zero-shot', 'few-shot', 'no-distill'] as const;

/** One of {@link FRAMEWORKS}. */
export type Framework = (typeof FRAMEWORKS)[number];

/** Validator of one framework name. */
export const frameworkSchema = z.enum(FRAMEWORKS);

/** Whether `v` names a framework. */
export function isFramework(v: unknown): v is Framework {
  return (FRAMEWORKS as readonly unknown[]).includes(v);
}
