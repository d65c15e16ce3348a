/**
 * sha256 of files, to record what a run read (issue 15 #23) and to identify model files.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { UserError } from './errors.ts';

/**
 * sha256 (hex) of a file, streamed.
 * @param path the file.
 * @param what names the file in the error message, e.g. `model file`.
 * @throws UserError when it cannot be read (naming `what` and the path).
 */
export async function fileSha256(path: string, what = 'file'): Promise<string> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(code === 'ENOENT' ? `${what} not found: ${path}` : `cannot read ${what} ${path}: ${(e as Error).message}`);
  }
  return hash.digest('hex');
}
