/**
 * Turns option definitions (src/options/) into commander options: flag, description, default
 * (with its help text), choices and an argument parser whose errors name the flag.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { OptionDef } from '../options/define.ts';
import { UserError } from '../util/errors.ts';

/** Per-command adjustments of a definition (a command's own default, wording or flag). */
export interface OptionOverrides<T> {
  /** This command's default (`undefined`: none); absent → the definition's. */
  default?: T | undefined;
  /** Help text of the default, e.g. `the project's`. */
  defaultText?: string;
  description?: string;
  /** Other flags for the same kind of value (e.g. `--frameworks <names>` as an alias). */
  flags?: string;
  /** Make the option mandatory. */
  required?: boolean;
  /**
   * A stricter command-line parser than the definition's validator, for values a registry above
   * the options layer checks (e.g. `--teacher` specs: src/teachers/registry.ts). Its UserError is
   * reported like the definition's.
   */
  parse?: (raw: string) => T;
}

/**
 * A commander `Option` built from `def`: the definition's parser (its UserError becomes commander's
 * InvalidArgumentError, so the message names the flag and the bad value), its choices, and its
 * default — or, when there is no default value but a `defaultText`, `(default: …)` in the description.
 */
export function cliOption<T>(def: OptionDef<T>, o: OptionOverrides<T> = {}): Option {
  const dflt = 'default' in o ? o.default : def.default;
  const text = shownDefault(def, o);
  const description = o.description ?? def.description;
  const opt = new Option(o.flags ?? def.flags, dflt === undefined && text !== undefined ? `${description} (default: ${text})` : description);
  if (def.choices) opt.choices(def.choices);
  if (opt.required || opt.optional) opt.argParser(commanderParser(o.parse ? { parse: o.parse } : def));
  if (dflt !== undefined) opt.default(dflt, text);
  if (o.required) opt.makeOptionMandatory();
  return opt;
}

/** `def.parse` for commander: its UserError becomes InvalidArgumentError (commander prints it with the flag). */
export function commanderParser<T>(def: Pick<OptionDef<T>, 'parse'>): (raw: string) => T {
  return (raw: string) => {
    try {
      return def.parse(raw);
    } catch (e) {
      if (e instanceof UserError) throw new InvalidArgumentError(e.message);
      throw e;
    }
  };
}

/** The text help shows for the default of `def` under `o` (what {@link cliOption} puts in `(default: …)`), or undefined. */
export function shownDefault<T>(def: OptionDef<T>, o: OptionOverrides<T> = {}): string | undefined {
  const dflt = 'default' in o ? o.default : def.default;
  if (o.defaultText !== undefined) return o.defaultText;
  if (dflt !== undefined) return 'default' in o ? def.show(dflt) : (def.defaultText ?? def.show(dflt));
  return 'default' in o ? undefined : def.defaultText;
}

/** The suffix {@link markRequiredOptions} gives the description of a mandatory option. */
export const REQUIRED_MARK = '(required)';

/**
 * Appends ` (required)` to the description of every mandatory option of `cmd` and of its
 * subcommands (commander's `requiredOption` shows nothing special in `--help`). Idempotent.
 */
export function markRequiredOptions(cmd: Command): void {
  for (const o of cmd.options) {
    if (o.mandatory && !o.description.endsWith(REQUIRED_MARK)) o.description = o.description ? `${o.description} ${REQUIRED_MARK}` : REQUIRED_MARK;
  }
  cmd.commands.forEach(markRequiredOptions);
}
