/**
 * The introduction `activekd demo` prints before it runs: what the teacher, the student and a round
 * are under the options actually given (not the defaults).
 */
import { ASSETS } from '../assets.ts';
import type { Framework } from '../options/framework.ts';
import { parseTeacherSpec } from '../teachers/registry.ts';

/** Classes of the embedded CIFAR-10 subset. */
const DEMO_CLASSES = 10;

/** The options {@link demoBanner} describes (parsed `demo` options). */
export interface DemoBannerOptions {
  framework: readonly Framework[];
  /** `--teacher` spec. */
  teacher: string;
  teacherShots?: number;
  teacherAccuracy?: number;
  query?: number;
  studentModel?: string;
}

/**
 * What the demo's teacher is: the zero-shot teacher of `--teacher` (on the embedded data,
 * label-transfer is the embedded MobileNetV2 with the CIFAR-10 class map), replaced by the held-out
 * few-shot teacher (`--teacher-shots`) and/or boosted (`--teacher-accuracy`); under framework
 * few-shot, the CLAP probe refitted on the labels; none when every framework is no-distill.
 * @throws UserError for an invalid `--teacher` spec
 */
export function demoTeacherDescription(o: DemoBannerOptions): string {
  if (o.framework.every((f) => f === 'no-distill')) return 'none (framework no-distill: the student learns from the labels alone)';
  const spec = parseTeacherSpec(o.teacher);
  if (spec === null) return 'none';
  const labelTransfer = spec.kind.name === 'label-transfer';
  const model = labelTransfer ? 'the ImageNet MobileNetV2' : o.teacher;
  let t = labelTransfer ? `ImageNet MobileNetV2 whose class probabilities are mapped to the ${DEMO_CLASSES} CIFAR-10 classes (zero-shot, no labels)` : `${o.teacher} (${spec.kind.help})`;
  if (o.teacherShots !== undefined) {
    t = `held-out few-shot teacher: a CLAP head on ${model}'s features, fitted once on ${o.teacherShots} labeled image(s) per class kept out of the pool and the test set, then frozen`;
  }
  if (o.teacherAccuracy !== undefined) t = `SYNTHETIC boosted teacher (it reads the ground truth) with its pool accuracy set to ${(100 * o.teacherAccuracy).toFixed(1)}%, from the ${t}`;
  if (o.framework.includes('few-shot')) t = `${t}; under few-shot, a CLAP probe on ${model}'s features refitted on the labels so far`;
  return t;
}

/** The demo's introduction lines (the last one ends with an empty line). */
export function demoBanner(o: DemoBannerOptions): string[] {
  const q = o.query ?? DEMO_CLASSES;
  const backbone = o.studentModel === undefined ? 'frozen MobileNetV1 features' : `frozen features of ${o.studentModel}`;
  return [
    `activekd demo: embedded CIFAR-10 subset at ${ASSETS.cifar10Mini}`,
    `  teacher: ${demoTeacherDescription(o)};`,
    `  student: ${backbone} + a DHO head trained from scratch each round on the labels so far;`,
    `  each round labels ${q} more pool image${q === 1 ? '' : 's'} chosen by the strategy; "test acc" = the student's accuracy on the test images.\n`,
  ];
}
