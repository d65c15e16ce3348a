/**
 * Builds the embedded CIFAR-10 subset `assets/data/cifar10-mini/` from the full CIFAR-10 JPEG
 * tarball (`../shared/assets/datasets/cifar10-jpg.tar.gz`, layout `train/<class>/NNNN.jpg`,
 * `test/<class>/NNNN.jpg`).
 *
 * Per class it keeps the first `--train` (default 200) training and the first `--test` (default
 * 100) test images in file-name order, copying the JPEG bytes unchanged (no re-encoding), so the
 * output is byte-for-byte reproducible from the same tarball. The tarball is read as a stream with
 * a minimal ustar parser (regular files only), so no `tar` binary is needed.
 *
 * Usage: `npx tsx scripts/make-mini-cifar.ts [--src FILE] [--out DIR] [--train N] [--test N]`
 */
import { createReadStream } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { createHash } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** sha256 of the tarball the committed subset was made from (assets README). */
const EXPECTED_SHA256 = 'df1f54c3bdc4c45defa9dbf6ae92d3646fae7386035fca386d48c005765a6eeb';

interface TarEntry {
  name: string;
  data: Buffer;
}

/**
 * Streams the regular files of a .tar.gz. Supports ustar `prefix` and GNU long names (`L`).
 * Also returns the sha256 of the compressed file, to compare with the expected one.
 */
async function readTarGz(file: string, onEntry: (e: TarEntry) => void): Promise<string> {
  const hash = createHash('sha256');
  const input = createReadStream(file);
  input.on('data', (c) => hash.update(c));
  const gunzip = input.pipe(createGunzip());
  let buf: Buffer = Buffer.alloc(0);
  let longName: string | null = null;
  let ended = false;
  for await (const chunk of gunzip) {
    buf = buf.length === 0 ? (chunk as Buffer) : Buffer.concat([buf, chunk as Buffer]);
    for (;;) {
      if (ended || buf.length < 512) break;
      const header = buf.subarray(0, 512);
      if (header.every((b) => b === 0)) {
        ended = true;
        break;
      }
      const str = (o: number, n: number): string => {
        const s = header.subarray(o, o + n);
        const z = s.indexOf(0);
        return s.subarray(0, z < 0 ? n : z).toString('utf8');
      };
      const size = parseInt(str(124, 12).trim() || '0', 8);
      const type = str(156, 1) || '0';
      const padded = Math.ceil(size / 512) * 512;
      if (buf.length < 512 + padded) break;
      const data = Buffer.from(buf.subarray(512, 512 + size));
      buf = buf.subarray(512 + padded);
      if (type === 'L') {
        longName = data.toString('utf8').replace(/\0+$/, '');
        continue;
      }
      const prefix = str(345, 155);
      const name = longName ?? (prefix ? `${prefix}/${str(0, 100)}` : str(0, 100));
      longName = null;
      if (type === '0' || type === '\0') onEntry({ name: name.replace(/^\.\//, ''), data });
    }
  }
  return hash.digest('hex');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      src: { type: 'string', default: resolve(REPO, '..', 'shared', 'assets', 'datasets', 'cifar10-jpg.tar.gz') },
      out: { type: 'string', default: join(REPO, 'assets', 'data', 'cifar10-mini') },
      train: { type: 'string', default: '200' },
      test: { type: 'string', default: '100' },
    },
  });
  const src = resolve(values.src);
  const out = resolve(values.out);
  const limits: Record<string, number> = { train: Number(values.train), test: Number(values.test) };
  for (const [k, v] of Object.entries(limits)) {
    if (!Number.isInteger(v) || v <= 0) throw new Error(`--${k} must be a positive integer, got ${v}`);
  }

  // split → class → file name → bytes. Only the smallest names are needed, but the tarball is not
  // sorted, so keep everything matching the layout and sort afterwards (about 140 MB at most).
  const files = new Map<string, Map<string, Map<string, Buffer>>>();
  const sha = await readTarGz(src, (e) => {
    const m = /^(train|test)\/([^/]+)\/([^/]+\.jpe?g)$/i.exec(e.name);
    if (!m) return;
    const [, split, cls, base] = m as unknown as [string, string, string, string];
    let bySplit = files.get(split);
    if (!bySplit) files.set(split, (bySplit = new Map()));
    let byClass = bySplit.get(cls);
    if (!byClass) bySplit.set(cls, (byClass = new Map()));
    byClass.set(base, e.data);
  });
  if (sha !== EXPECTED_SHA256) console.warn(`warning: ${src} has sha256 ${sha}, expected ${EXPECTED_SHA256}; the subset will differ from the committed one`);

  await rm(out, { recursive: true, force: true });
  let total = 0;
  for (const split of ['train', 'test']) {
    const bySplit = files.get(split);
    if (!bySplit) throw new Error(`${src}: no ${split}/ folder in the archive`);
    for (const cls of [...bySplit.keys()].sort()) {
      const byClass = bySplit.get(cls) as Map<string, Buffer>;
      const names = [...byClass.keys()].sort();
      const n = limits[split] as number;
      if (names.length < n) throw new Error(`${src}: ${split}/${cls} has ${names.length} images, fewer than ${n}`);
      const dir = join(out, split, cls);
      await mkdir(dir, { recursive: true });
      for (const name of names.slice(0, n)) {
        await writeFile(join(dir, name), byClass.get(name) as Buffer);
        total++;
      }
    }
  }
  console.log(`wrote ${total} images to ${out} (train ${limits.train}/class, test ${limits.test}/class)`);
}

await main();
