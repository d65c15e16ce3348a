import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from './errors.ts';

/**
 * Refuses an output folder path that names something other than a folder (a file), before any work
 * (found by a fresh-user trial: the run encoded everything, then failed creating its first output).
 * A missing path is fine: it is created when results are written.
 * @param flag the option it came from, for the message
 * @throws UserError naming the path and the option
 */
export function checkOutDir(path: string, flag = '--out'): void {
  if (existsSync(path) && !statSync(path).isDirectory()) throw new UserError(`${flag} ${path}: that is a file, not a folder; choose a folder (it is created when missing)`);
}

/**
 * The counterpart of {@link checkOutDir} for an output file: refuses a path that names a folder,
 * before any work. A missing path (and missing parent folders) is fine: created when written.
 * @param example a file name for the message, e.g. `student.onnx`
 * @param what what to give, for the message
 * @throws UserError naming the path, the option and a file name to give instead
 */
export function checkOutFile(path: string, flag: string, example: string, what = "the file's name"): void {
  if (existsSync(path) && statSync(path).isDirectory()) throw new UserError(`${flag} ${path} is a folder: give ${what}, e.g. ${join(path, example)}`);
}
