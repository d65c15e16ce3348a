/**
 * A local CLIP model folder in the transformers.js (Xenova) export layout, and its preprocessing
 * mapped onto an {@link EncoderSpec} (SPEC.md §3.3, §4):
 *
 * ```
 * DIR/onnx/vision_model.onnx      pixel_values float32 [N,3,H,W] → image_embeds [N,E]
 * DIR/onnx/text_model.onnx        input_ids, attention_mask int64 [N,L] → text_embeds [N,E]
 * DIR/tokenizer.json              Hugging Face tokenizers file
 * DIR/tokenizer_config.json       model_max_length, pad/bos/eos tokens
 * DIR/preprocessor_config.json    size / crop_size, image_mean / image_std, do_center_crop, …
 * ```
 *
 * Nothing is downloaded unless the caller allows it explicitly ({@link ClipFolderOptions.allowRemote}).
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { EncoderSpec } from '../../encoders/spec.ts';
import { UserError } from '../../util/errors.ts';

/** CLIP's image normalisation (SPEC §4), used when the preprocessor config gives none. */
export const CLIP_MEAN: readonly number[] = Object.freeze([0.48145466, 0.4578275, 0.40821073]);
/** CLIP's image standard deviations (SPEC §4). */
export const CLIP_STD: readonly number[] = Object.freeze([0.26862954, 0.26130258, 0.27577711]);

/** Relative paths of the files of a CLIP folder. */
export interface ClipLayout {
  readonly visionModel: string;
  readonly textModel: string;
  readonly tokenizer: string;
  readonly tokenizerConfig: string;
  readonly preprocessorConfig: string;
}

/** The transformers.js / Xenova layout (e.g. `Xenova/clip-vit-base-patch32`). */
export const XENOVA_CLIP_LAYOUT: ClipLayout = Object.freeze({
  visionModel: 'onnx/vision_model.onnx',
  textModel: 'onnx/text_model.onnx',
  tokenizer: 'tokenizer.json',
  tokenizerConfig: 'tokenizer_config.json',
  preprocessorConfig: 'preprocessor_config.json',
});

/** Options of {@link resolveClipFolder}. */
export interface ClipFolderOptions {
  /** Other file names inside the folder (e.g. `onnx/vision_model_quantized.onnx`). */
  layout?: Partial<ClipLayout>;
  /**
   * Download missing files from a model hub (default false: a missing file is an error). Needs
   * {@link repo}. On machines without network the download fails with a message saying so.
   */
  allowRemote?: boolean;
  /** Hub model id to download from, e.g. `Xenova/clip-vit-base-patch32`. */
  repo?: string;
  /** Hub base URL (default `$ACTIVEKD_HUB_URL`, else `https://huggingface.co`); files are fetched from `<host>/<repo>/resolve/<revision>/<file>`. */
  remoteHost?: string;
  /** Hub revision (default `main`). */
  revision?: string;
}

/** A resolved CLIP folder: absolute paths of its files. */
export interface ClipFolder {
  readonly dir: string;
  readonly visionModel: string;
  readonly textModel: string;
  readonly tokenizer: string;
  readonly tokenizerConfig: string;
  readonly preprocessorConfig: string;
  /** Relative names of files that were downloaded by this call. */
  readonly downloaded: readonly string[];
}

const LAYOUT_HELP =
  'expected the transformers.js CLIP export layout: onnx/vision_model.onnx (pixel_values → image_embeds), onnx/text_model.onnx (input_ids, attention_mask → text_embeds), tokenizer.json, tokenizer_config.json, preprocessor_config.json';

/**
 * Checks that a CLIP folder has every file, optionally downloading the missing ones.
 * @param dir the folder.
 * @returns absolute file paths.
 * @throws UserError naming each missing file (and the layout expected) when files are missing
 *   and downloading is not allowed; when downloading is allowed but no `repo` is given; or when a
 *   download fails (naming the URL and the reason).
 */
export async function resolveClipFolder(dir: string, opts: ClipFolderOptions = {}): Promise<ClipFolder> {
  const root = resolve(dir);
  const layout: ClipLayout = { ...XENOVA_CLIP_LAYOUT, ...opts.layout };
  const rels = [layout.visionModel, layout.textModel, layout.tokenizer, layout.tokenizerConfig, layout.preprocessorConfig];
  let missing = rels.filter((r) => !existsSync(join(root, r)));
  const downloaded: string[] = [];
  if (missing.length > 0) {
    if (!opts.allowRemote) {
      const where = existsSync(root) ? `CLIP model folder ${root}` : `CLIP model folder ${root} does not exist; it`;
      throw new UserError(`${where} is missing ${missing.length} file(s): ${missing.join(', ')}. The ${LAYOUT_HELP}. Put the files there (downloading is off unless explicitly allowed).`);
    }
    if (!opts.repo) throw new UserError(`CLIP model folder ${root} is missing ${missing.join(', ')}; to download them, also give the hub model id (e.g. Xenova/clip-vit-base-patch32)`);
    for (const rel of missing) {
      await downloadFile(opts.repo, rel, join(root, rel), opts);
      downloaded.push(rel);
    }
    missing = rels.filter((r) => !existsSync(join(root, r)));
  }
  return {
    dir: root,
    visionModel: join(root, layout.visionModel),
    textModel: join(root, layout.textModel),
    tokenizer: join(root, layout.tokenizer),
    tokenizerConfig: join(root, layout.tokenizerConfig),
    preprocessorConfig: join(root, layout.preprocessorConfig),
    downloaded,
  };
}

async function downloadFile(repo: string, rel: string, dest: string, opts: ClipFolderOptions): Promise<void> {
  const host = (opts.remoteHost ?? process.env.ACTIVEKD_HUB_URL ?? 'https://huggingface.co').replace(/\/+$/, '');
  const url = `${host}/${repo}/resolve/${opts.revision ?? 'main'}/${rel}`;
  const fail = (why: string): never => {
    throw new UserError(`cannot download ${rel} of ${repo} from ${url}: ${why}. If this machine has no network access, download the files elsewhere and copy them into ${dirname(dest).replace(/\/onnx$/, '')} (${LAYOUT_HELP}).`);
  };
  let res: Response;
  try {
    res = await fetch(url, { redirect: 'follow' });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    return fail(cause?.code ?? cause?.message ?? (e as Error).message);
  }
  if (!res.ok) return fail(`HTTP ${res.status} ${res.statusText}`);
  const bytes = new Uint8Array(await res.arrayBuffer());
  await mkdir(dirname(dest), { recursive: true });
  await writeFile(dest, bytes);
}

/**
 * Reads a JSON object file.
 * @throws UserError naming the file when it cannot be read, is not JSON, or is not an object.
 */
export async function readJsonObject(path: string, what: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new UserError(`cannot read ${what} ${path}: ${(e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new UserError(`${what} ${path} is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new UserError(`${what} ${path} must be a JSON object`);
  return json as Record<string, unknown>;
}

/** What {@link clipPreprocessSpec} derived from a preprocessor config, beside the spec. */
export interface ClipPreprocessInfo {
  /** The encoder spec of the vision model. */
  readonly spec: EncoderSpec;
  /** Notes on where the port differs from the config (recorded in `describe()`). */
  readonly notes: string[];
}

function side(v: unknown, key: string, source: string): { shortest?: number; height?: number; width?: number } {
  if (typeof v === 'number') return { shortest: v, height: v, width: v };
  if (typeof v === 'object' && v !== null) {
    const o = v as Record<string, unknown>;
    const num = (x: unknown): number | undefined => (typeof x === 'number' && Number.isInteger(x) && x > 0 ? x : undefined);
    const r: { shortest?: number; height?: number; width?: number } = {};
    const s = num(o.shortest_edge);
    const h = num(o.height);
    const w = num(o.width);
    if (s !== undefined) r.shortest = s;
    if (h !== undefined) r.height = h;
    if (w !== undefined) r.width = w;
    if (s !== undefined || (h !== undefined && w !== undefined)) return r;
  }
  throw new UserError(`${source}: "${key}" must be a number, {"shortest_edge": n} or {"height": n, "width": n}, got ${JSON.stringify(v)}`);
}

function triple(v: unknown, key: string, source: string, dflt: readonly number[]): number[] {
  if (v === undefined || v === null) return dflt.slice();
  if (typeof v === 'number') return [v, v, v];
  if (Array.isArray(v) && v.length === 3 && v.every((x) => typeof x === 'number' && Number.isFinite(x))) return v as number[];
  throw new UserError(`${source}: "${key}" must be a list of 3 numbers, got ${JSON.stringify(v)}`);
}

/**
 * Maps a CLIP `preprocessor_config.json` onto the encoder contract (SPEC §4): with
 * `do_center_crop` (the CLIP default), Resize(shorter side) + CenterCrop → resize `shorter-crop`,
 * which needs the resize target to equal the crop size (224/224 in every CLIP release); without
 * it, a square `size` → resize `fill`. Interpolation is bilinear, as in the paper's eval
 * transform (SPEC §4, O13), whatever `resample` says (noted). Scaling: `meanStd` with
 * `image_mean` / `image_std` (CLIP's values when absent; 0/1 with `do_normalize: false`).
 *
 * @param config the parsed preprocessor config.
 * @param modelPath the vision model file (put into the spec).
 * @param inputName the vision model's image input (default `pixel_values`).
 * @param source file name for error messages.
 * @throws UserError when sizes are missing or malformed, the resize target differs from the crop
 *   size, a non-center-crop size is not square, or `rescale_factor` is not 1/255.
 */
export function clipPreprocessSpec(config: Record<string, unknown>, modelPath: string, inputName = 'pixel_values', source = 'preprocessor_config.json'): ClipPreprocessInfo {
  const notes: string[] = [];
  const crop = config.do_center_crop !== false;
  const doResize = config.do_resize !== false;
  let size: number;
  let resize: EncoderSpec['resize'];
  if (crop) {
    const cs = config.crop_size ?? config.size;
    if (cs === undefined) throw new UserError(`${source}: has neither "crop_size" nor "size"`);
    const c = side(cs, 'crop_size', source);
    const cropSide = c.height ?? c.shortest;
    if (cropSide === undefined || (c.width !== undefined && c.width !== cropSide)) throw new UserError(`${source}: "crop_size" must be square, got ${JSON.stringify(cs)}`);
    size = cropSide;
    resize = 'shorter-crop';
    if (doResize && config.size !== undefined) {
      const s = side(config.size, 'size', source);
      // {"height", "width"} stretches to exactly that size before the crop; a number or
      // {"shortest_edge"} resizes the shorter side (torchvision Resize(n)).
      const stretch = s.shortest === undefined;
      const target = stretch ? (s.height === s.width ? s.height : undefined) : s.shortest;
      if (target !== cropSide) {
        throw new UserError(`${source}: resize to ${JSON.stringify(config.size)} then crop to ${cropSide} is not supported; the encoder resizes the shorter side to the crop size (Resize(${cropSide}) + CenterCrop(${cropSide}), SPEC §4)`);
      }
      if (stretch) resize = 'fill';
    }
  } else {
    if (config.size === undefined) throw new UserError(`${source}: has no "size"`);
    const s = side(config.size, 'size', source);
    if (s.height === undefined || s.width === undefined || s.height !== s.width) throw new UserError(`${source}: without center crop, "size" must be a square {"height": n, "width": n}, got ${JSON.stringify(config.size)}`);
    size = s.height;
    resize = 'fill';
  }
  const rf = config.rescale_factor;
  if (config.do_rescale !== false && typeof rf === 'number' && Math.abs(rf * 255 - 1) > 1e-6) throw new UserError(`${source}: rescale_factor ${rf} is not supported (only 1/255)`);
  if (config.do_rescale === false) throw new UserError(`${source}: do_rescale false is not supported (pixels are always scaled to [0,1])`);
  let mean: number[];
  let std: number[];
  if (config.do_normalize === false) {
    mean = [0, 0, 0];
    std = [1, 1, 1];
  } else {
    mean = triple(config.image_mean, 'image_mean', source, CLIP_MEAN);
    std = triple(config.image_std, 'image_std', source, CLIP_STD);
    if (std.some((v) => !(v > 0))) throw new UserError(`${source}: image_std must be positive, got ${JSON.stringify(std)}`);
  }
  if (config.resample !== undefined && config.resample !== 2) notes.push(`config resample=${JSON.stringify(config.resample)} (PIL code; 3 = bicubic) ignored: bilinear resize as in the paper's eval transform (SPEC §4, O13)`);
  return {
    spec: { name: 'clip_vision', modelPath, inputName, size, resize, scaling: { kind: 'meanStd', mean, std }, outputs: ['image_embeds'] },
    notes,
  };
}
