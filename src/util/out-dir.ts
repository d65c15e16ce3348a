import { existsSync, statSync } from 'node:fs';
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
