/**
 * Commander argument parsers for the options that have no definition in src/options/ (command-
 * specific settings such as `--jobs` or `--port`); built on the same builders, so their messages
 * read like the defined options' (`--jobs must be a positive integer, got "x"`).
 */
import { integerOption, numberOption } from '../options/define.ts';
import { commanderParser as parser } from './option-def.ts';

/** Commander parser for a positive integer option. */
export function positiveInt(name: string): (v: string) => number {
  return parser(integerOption({ flags: `${name} <n>`, description: '', min: 1, default: undefined }));
}

/** Commander parser for a non-negative integer option. */
export function nonNegativeInt(name: string): (v: string) => number {
  return parser(integerOption({ flags: `${name} <n>`, description: '', min: 0, default: undefined }));
}

/** Commander parser for a finite number in [lo, hi]. */
export function numberIn(name: string, lo: number, hi: number): (v: string) => number {
  return parser(numberOption({ flags: `${name} <x>`, description: '', min: lo, max: hi, default: undefined }));
}
