import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { UserError } from './errors.ts';

/**
 * Reads a UTF-8 text file the user named.
 * @param what how the file is called in messages, e.g. `classes file`
 * @returns the absolute path and the text (a leading BOM removed)
 * @throws UserError `"<what> not found: <path>"`, or `"cannot read <what> <path>: …"`
 */
export async function readUserText(file: string, what: string): Promise<{ path: string; text: string }> {
  const path = resolve(file);
  try {
    return { path, text: (await readFile(path, 'utf8')).replace(/^\uFEFF/, '') };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(code === 'ENOENT' ? `${what} not found: ${path}` : `cannot read ${what} ${path}: ${(e as Error).message}`);
  }
}

/**
 * Reads a one-entry-per-line text file (`\r\n` or `\n`; trailing blank lines, which editors and
 * scripts often leave, are ignored — a blank line between entries is still the reader's to refuse).
 * @throws UserError as {@link readUserText}, or `"<what> <path> is empty: …"` when it has no line
 */
export async function readUserLines(file: string, what: string): Promise<{ path: string; lines: string[] }> {
  const { path, text } = await readUserText(file, what);
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && (lines[lines.length - 1] as string).trim() === '') lines.pop();
  if (lines.length === 0) throw new UserError(`${what} ${path} is empty: expected one class name per line`);
  return { path, lines };
}
