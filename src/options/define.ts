/**
 * Option definitions: each user-facing setting is declared once — its command-line flag,
 * description, default, allowed values and validator — and both the CLI (src/cli/option-def.ts
 * turns a definition into a commander `Option`) and the library (defaults, checks) read it.
 * Base layer: imports only util/ and zod.
 */
import { z } from 'zod';
import { UserError } from '../util/errors.ts';

/**
 * One option. `T` is the parsed value's type; `D` the default's (`undefined` when the option has
 * none — then {@link OptionDef.defaultText} may say what happens instead, e.g. "number of classes").
 */
export interface OptionDef<T, D extends T | undefined = T | undefined> {
  /** The value's key as commander names it (camelCase of the long flag), e.g. `stepsPerBatch`. */
  readonly key: string;
  /** The long flag, e.g. `--steps-per-batch`. */
  readonly flag: string;
  /** Flag with its argument placeholder as commander takes it, e.g. `--steps-per-batch <n>` (no placeholder: a boolean switch). */
  readonly flags: string;
  readonly description: string;
  readonly default: D;
  /** How help shows the default when it is not the value itself (or when there is no value). */
  readonly defaultText?: string;
  /** The allowed values of an enumeration (shown by help). */
  readonly choices?: readonly string[];
  /** What a valid value is, for messages: `--hidden must be <expected>`. */
  readonly expected: string;
  /** Validator of a value (library side). */
  readonly schema: z.ZodType<T>;
  /**
   * Parses a command-line argument.
   * @throws UserError `"<flag> must be <expected>, got \"<raw>\""`
   */
  parse(raw: string): T;
  /**
   * Validates a value given by a library caller.
   * @throws UserError naming the flag, as {@link parse}
   */
  check(value: unknown): T;
  /** The value as help shows it (the default's rendering). */
  show(value: T): string;
}

/** `--steps-per-batch` → `stepsPerBatch` (commander's attribute name). */
export function flagKey(flag: string): string {
  return flag.replace(/^--/, '').replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** The one error of a bad option value. */
export function optionError(flag: string, expected: string, got: unknown): UserError {
  return new UserError(`${flag} must be ${expected}, got "${String(got)}"`);
}

/** What every builder takes. */
export interface Common<D> {
  /** Flag with placeholder, e.g. `--hidden <n>`. */
  flags: string;
  description: string;
  default: D;
  defaultText?: string;
}

/**
 * Builds a definition from its parts: `fromString` turns the command-line text into a candidate
 * value (no validation), `schema` validates it.
 */
export function defineOption<T, D extends T | undefined>(spec: Common<D> & { schema: z.ZodType<T>; expected: string; choices?: readonly string[]; fromString: (raw: string) => unknown; show?: (v: T) => string }): OptionDef<T, D> {
  const flag = spec.flags.split(/[\s=]/)[0] as string;
  const check = (value: unknown, shown: unknown = value): T => {
    const r = spec.schema.safeParse(value);
    if (!r.success) throw optionError(flag, spec.expected, shown);
    return r.data;
  };
  return {
    key: flagKey(flag),
    flag,
    flags: spec.flags,
    description: spec.description,
    default: spec.default,
    ...(spec.defaultText !== undefined ? { defaultText: spec.defaultText } : {}),
    ...(spec.choices ? { choices: spec.choices } : {}),
    expected: spec.expected,
    schema: spec.schema,
    parse: (raw) => check(spec.fromString(raw), raw),
    check: (value) => check(value),
    show: spec.show ?? ((v) => JSON.stringify(v)),
  };
}

/** A whole decimal integer (optional sign, surrounding blanks); anything else → NaN (rejected). */
function integerText(raw: string): number {
  return /^\s*[+-]?\d+\s*$/.test(raw) ? Number(raw) : NaN;
}

/** A finite decimal number; blank text → NaN (Number('') would be 0). */
function numberText(raw: string): number {
  return raw.trim() === '' ? NaN : Number(raw);
}

/** An integer option ≥ `min` (0: non-negative, 1: positive). */
export function integerOption<D extends number | undefined>(spec: Common<D> & { min: 0 | 1 }): OptionDef<number, D> {
  return defineOption<number, D>({ ...spec, schema: z.number().int().min(spec.min), expected: spec.min === 1 ? 'a positive integer' : 'a non-negative integer', fromString: integerText });
}

/** A finite number in an interval; `open` ends exclude the bound. */
export function numberOption<D extends number | undefined>(spec: Common<D> & { min: number; max: number; minOpen?: boolean; maxOpen?: boolean }): OptionDef<number, D> {
  const { min, max, minOpen = false, maxOpen = false } = spec;
  const schema = z.number().refine((v) => (minOpen ? v > min : v >= min) && (maxOpen ? v < max : v <= max));
  const bound = (v: number): string => (v === Infinity ? '∞' : String(v));
  return defineOption<number, D>({ ...spec, schema, expected: `a number in ${minOpen ? '(' : '['}${bound(min)}, ${bound(max)}${maxOpen ? ')' : ']'}`, fromString: numberText });
}

/** One of a fixed list of names. */
export function enumOption<const V extends readonly [string, ...string[]], D extends V[number] | undefined>(spec: Common<D> & { values: V }): OptionDef<V[number], D> {
  return defineOption<V[number], D>({ ...spec, schema: z.enum(spec.values), choices: spec.values, expected: `one of ${spec.values.join(', ')}`, fromString: (raw) => raw.trim() });
}

/** A non-empty string (paths, specs); `schema` narrows it further. */
export function stringOption<D extends string | undefined>(spec: Common<D> & { schema?: z.ZodType<string>; expected?: string }): OptionDef<string, D> {
  return defineOption<string, D>({ ...spec, schema: spec.schema ?? z.string().trim().min(1), expected: spec.expected ?? 'a non-empty string', fromString: (raw) => raw });
}

/** A switch without argument (`--standardize`); `parse` accepts `true`/`false` for completeness. */
export function booleanOption(spec: Common<boolean>): OptionDef<boolean, boolean> {
  return defineOption<boolean, boolean>({ ...spec, schema: z.boolean(), expected: 'true or false', fromString: (raw) => (raw === 'true' ? true : raw === 'false' ? false : raw) });
}

/**
 * A comma-separated list of names from a fixed set, each at most once (`--framework zero-shot,no-distill`).
 * The error names the first bad element.
 */
export function enumListOption<const V extends readonly [string, ...string[]], D extends V[number][] | undefined>(spec: Common<D> & { values: V }): OptionDef<V[number][], D> {
  const expected = `one of ${spec.values.join(', ')} (comma-separated for several)`;
  const flag = spec.flags.split(/[\s=]/)[0] as string;
  const schema = z
    .array(z.enum(spec.values))
    .min(1)
    .refine((a) => new Set(a).size === a.length);
  const def = defineOption<V[number][], D>({ ...spec, schema, choices: spec.values, expected, fromString: splitList, show: (v) => JSON.stringify(v.join(',')) });
  const checkItems = (items: readonly unknown[], raw: unknown): V[number][] => {
    const bad = items.find((x) => !(spec.values as readonly unknown[]).includes(x));
    if (bad !== undefined) throw optionError(flag, expected, bad);
    if (items.length === 0) throw optionError(flag, expected, raw);
    if (new Set(items).size !== items.length) throw new UserError(`${flag} names a value twice: "${String(raw)}"`);
    return items as V[number][];
  };
  return { ...def, parse: (raw) => checkItems(splitList(raw), raw), check: (v) => (Array.isArray(v) ? checkItems(v, v.join(',')) : def.check(v)) };
}

/** A comma-separated list of non-empty names (`--strategy pcoreset,random`). */
export function nameListOption<D extends string[] | undefined>(spec: Common<D>): OptionDef<string[], D> {
  const schema = z.array(z.string().trim().min(1)).min(1);
  return defineOption<string[], D>({ ...spec, schema, expected: 'a name or a comma-separated list of names', fromString: splitList, show: (v) => JSON.stringify(v.join(',')) });
}

/** `a, b,,c` → `['a', 'b', 'c']` (blank entries dropped). */
function splitList(raw: string): string[] {
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
