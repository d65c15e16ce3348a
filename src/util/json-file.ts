import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UserError } from './errors.ts';

/**
 * Writes JSON atomically (temp file + rename), so an interrupted write never leaves a truncated
 * results file behind and an older complete file is never lost. Non-finite numbers are written as
 * `null` (JSON.stringify semantics).
 */
export function writeJsonAtomic(path: string, value: unknown): void {
  writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Writes `content` to `path` atomically (temp file in the same folder + rename): readers see the old
 * file or the whole new one, never a truncated one. Missing parent folders are created; a failed
 * write leaves no temporary behind.
 * @returns the sha256 (hex) of what was written
 */
export function writeFileAtomic(path: string, content: string | Uint8Array): string {
  const tmp = `${path}.tmp-${process.pid}`;
  mkdirSync(dirname(path), { recursive: true });
  try {
    writeFileSync(tmp, content);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true }); // no half-written temporary left beside the user's files
    throw e;
  }
  return createHash('sha256').update(content).digest('hex');
}

/**
 * Reads and parses a JSON file the user (or an earlier run) wrote.
 * @param what how the file is called in messages, e.g. `results file`
 * @throws UserError `"<what> not found: <path>"`, `"cannot read <what> <path>: …"` or
 *   `"<path>: not valid JSON (…); expected <what>"`
 */
export function readJsonFile(file: string, what: string): unknown {
  const path = resolve(file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8').replace(/^\uFEFF/, '');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(code === 'ENOENT' ? `${what} not found: ${path}` : `cannot read ${what} ${path}: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new UserError(`${path}: not valid JSON (${(e as Error).message}); expected ${what}`);
  }
}
