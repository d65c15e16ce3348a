/**
 * Class-name cleaning and per-dataset prompt templates of the CLIP zero-shot teacher
 * (SPEC.md §2.2), in one frozen registry keyed by dataset name, and the rule that turns the text
 * embeddings of a class's prompts into one classifier column (SPEC §3.3, oddity O12).
 *
 * Unknown dataset names (a user's own image folder) get CLIP's generic `a photo of a {}.`; the
 * prompt set actually used is recorded by the teacher's `describe()`.
 */
import { UserError } from '../util/errors.ts';

/**
 * How the text embeddings of a class's prompts become one classifier column `w_c` (SPEC §3.3):
 * - `mean-raw` (10 "other" datasets, `PC:train_active_others.py:L94-118`): mean of the raw
 *   (unnormalised) prompt embeddings, then L2-normalised;
 * - `normalize-each` (ImageNet, `PC:train_active_imgnet.py:L95-118`, standard CLIP ensembling):
 *   normalise each prompt embedding, average, re-normalise.
 *
 * In both cases `W_raw` (the CLAP prototypes' initialisation) is the mean of the raw embeddings.
 * The two rules agree when there is one template.
 */
export type TextEnsemble = 'mean-raw' | 'normalize-each';

/** A prompt set: templates with one `{}` slot for the cleaned class name, and the ensembling rule. */
export interface PromptSet {
  /** Templates, e.g. `a photo of a {}.`; `{}` is replaced by the cleaned class name. */
  readonly templates: readonly string[];
  /** How the prompts of one class are combined (see {@link TextEnsemble}). */
  readonly ensemble: TextEnsemble;
  /** Where the templates come from (recorded in results). */
  readonly source: string;
}

const set = (templates: readonly string[], source: string, ensemble: TextEnsemble = 'mean-raw'): PromptSet =>
  Object.freeze({ templates: Object.freeze([...templates]), ensemble, source });

/** The 7-template ImageNet ensemble (SPEC §2.2, `PC:datasets/imagenet.py:L173-179`). */
export const IMAGENET_TEMPLATES: readonly string[] = Object.freeze([
  'itap of a {}.',
  'a bad photo of the {}.',
  'a origami {}.',
  'a photo of the large {}.',
  'a {} in a video game.',
  'art of the {}.',
  'a photo of the small {}.',
]);

/**
 * Prompt sets of the paper's datasets, keyed by the dataset key of SPEC §2.1 (`--dataset`).
 * Frozen; use {@link promptSetFor} to look one up with the default fallback.
 */
export const DATASET_PROMPTS: Readonly<Record<string, PromptSet>> = Object.freeze({
  caltech101: set(['a photo of a {}.'], 'PC:datasets/caltech101.py:L6'),
  dtd: set(['{} texture.'], 'PC:datasets/dtd.py:L7'),
  eurosat: set(['a centered satellite photo of {}.'], 'PC:datasets/eurosat.py:L6'),
  fgvc: set(['a photo of a {}, a type of aircraft.'], 'PC:datasets/fgvc.py:L5'),
  food101: set(['a photo of {}, a type of food.'], 'PC:datasets/food101.py:L6'),
  oxford_flowers: set(['a photo of a {}, a type of flower.'], 'PC:datasets/oxford_flowers.py:L10'),
  oxford_pets: set(['a photo of a {}, a type of pet.'], 'PC:datasets/oxford_pets.py:L7'),
  stanford_cars: set(['a photo of a {}.'], 'PC:datasets/stanford_cars.py:L8'),
  sun397: set(['a photo of a {}.'], 'PC:datasets/sun397.py:L6'),
  ucf101: set(['a photo of a person doing {}.'], 'PC:datasets/ucf101.py:L7'),
  imagenet: set(IMAGENET_TEMPLATES, 'PC:datasets/imagenet.py:L173-179', 'normalize-each'),
});

/** The prompt set of datasets without an entry: CLIP's generic single template. */
export const DEFAULT_PROMPTS: PromptSet = set(['a photo of a {}.'], 'default (dataset has no entry in DATASET_PROMPTS)');

/**
 * The prompt set of a dataset: its {@link DATASET_PROMPTS} entry (key compared case-insensitively),
 * else {@link DEFAULT_PROMPTS}.
 * @param dataset dataset key (SPEC §2.1), e.g. `dtd`, `imagenet`; undefined → default.
 */
export function promptSetFor(dataset?: string): PromptSet {
  if (dataset === undefined) return DEFAULT_PROMPTS;
  return DATASET_PROMPTS[dataset.toLowerCase()] ?? DEFAULT_PROMPTS;
}

/**
 * A user-supplied prompt set (e.g. from a CLI option), validated.
 * @throws UserError when there is no template, or a template has no `{}` slot.
 */
export function customPromptSet(templates: readonly string[], ensemble: TextEnsemble = 'mean-raw', source = 'user'): PromptSet {
  if (templates.length === 0) throw new UserError('prompt templates: at least one template is needed');
  for (const t of templates) {
    if (!t.includes('{}')) throw new UserError(`prompt template "${t}" has no "{}" slot for the class name`);
  }
  if (ensemble !== 'mean-raw' && ensemble !== 'normalize-each') throw new UserError(`prompt ensemble must be "mean-raw" or "normalize-each", got "${String(ensemble)}"`);
  return set(templates, source, ensemble);
}

/**
 * Class-name cleaning before formatting (SPEC §2.2, `PC:train_active_others.py:L101`): every `_`
 * becomes a space. Nothing else changes (case, other punctuation).
 */
export function cleanClassName(name: string): string {
  return name.replace(/_/g, ' ');
}

/** Python's `template.format(name)` for templates with `{}` slots: every `{}` becomes `name`. */
export function formatTemplate(template: string, name: string): string {
  return template.split('{}').join(name);
}

/**
 * All prompts: for each class (label order), each template (registry order) formatted with the
 * cleaned class name.
 * @returns C arrays of T prompts.
 */
export function classPrompts(classNames: readonly string[], prompts: PromptSet): string[][] {
  return classNames.map((c) => {
    const name = cleanClassName(c);
    return prompts.templates.map((t) => formatTemplate(t, name));
  });
}
