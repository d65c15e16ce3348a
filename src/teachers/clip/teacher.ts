/**
 * The CLIP zero-shot teacher (SPEC.md §3.3, §7.1): p(c | x) = softmax_c(100 · cos(φ(x), w_c)),
 * with φ the ONNX vision tower of a local CLIP folder (transformers.js layout, see ./files.ts)
 * and w_c the text classifier built from the dataset's prompt templates (../prompts.ts).
 *
 * Image embeddings go through `encodeImages` (batched, content-addressed feature cache) with the
 * preprocessing of the folder's `preprocessor_config.json` mapped to Resize(shorter side,
 * bilinear) + CenterCrop and CLIP's mean/std (SPEC §4). The text classifier is computed once, on
 * first use. Deviation (docs/ARCHITECTURE.md): probabilities are computed on the evaluation view, not per
 * augmented batch (SPEC §7.1).
 */
import { basename } from 'node:path';
import { createHash } from 'node:crypto';
import { encodeImages, type EncodeOptions, type SkippedImage } from '../../encoders/encode.ts';
import { getSession, modelHash } from '../../encoders/session.ts';
import type { EncoderSpec } from '../../encoders/spec.ts';
import type { Matrix } from '../../linalg/matrix.ts';
import { softmaxRows } from '../../linalg/softmax.ts';
import { UserError } from '../../util/errors.ts';
import { classPrompts, cleanClassName, promptSetFor, type PromptSet } from '../prompts.ts';
import type { Teacher } from '../teacher.ts';
import { buildTextClassifier, CLIP_LOGIT_SCALE, cosineLogits, type TextClassifier } from './classifier.ts';
import { clipPreprocessSpec, readJsonObject, resolveClipFolder, type ClipFolder, type ClipFolderOptions } from './files.ts';
import { ClipTextEncoder, type TruncatedPrompt } from './text.ts';

/** Arguments of {@link ClipTeacher.create}. */
export interface ClipTeacherArgs {
  /** The CLIP model folder (transformers.js layout). */
  dir: string;
  /** Target class names in label order (cleaned: `_` → space, before formatting). */
  classNames: readonly string[];
  /** Dataset key selecting the prompt set (SPEC §2.2), e.g. `dtd`; unknown/absent → `a photo of a {}.`. */
  dataset?: string;
  /** Explicit prompt set; overrides {@link dataset}. */
  prompts?: PromptSet;
  /** Logit scale s of `s · cos` (default 100, SPEC §3.3). */
  logitScale?: number;
  /** Folder layout and download policy (downloading is off by default). */
  folder?: ClipFolderOptions;
  /** Prompts per text-model call (default 64). */
  textBatchSize?: number;
  /** Options of the image encoder (cache folder, batch size, progress label, threads). */
  encode?: EncodeOptions;
}

/**
 * Zero-shot CLIP teacher. Create with {@link ClipTeacher.create}, which checks the folder, the
 * preprocessing config and both models' inputs and outputs, and hashes the files.
 */
export class ClipTeacher implements Teacher {
  /** e.g. `clip:clip-vit-base-patch32@1a2b3c4d+5e6f7a8b;prompts=dtd@0c1d2e3f`. */
  readonly id: string;
  /** Prompts per class (C × T), in label × template order. */
  readonly prompts: readonly (readonly string[])[];
  /** Images the encoder could not decode in the last image call (their rows are uniform / zero). */
  lastSkipped: SkippedImage[] = [];
  private classifier: Promise<TextClassifier> | null = null;
  /** Prompts cut to the text model's context length (memoised by {@link describe}). */
  private truncated: TruncatedPrompt[] | null = null;

  private constructor(
    readonly folder: ClipFolder,
    /** The vision encoder's contract (resize `shorter-crop` or `fill`, meanStd scaling, `image_embeds`). */
    readonly spec: EncoderSpec,
    readonly classNames: readonly string[],
    readonly promptSet: PromptSet,
    readonly dataset: string | undefined,
    readonly logitScale: number,
    private readonly text: ClipTextEncoder,
    private readonly hashes: { vision: string; text: string; tokenizer: string; tokenizerConfig: string; preprocessor: string },
    private readonly notes: readonly string[],
    private readonly encodeOpts: EncodeOptions,
  ) {
    this.prompts = classPrompts(classNames, promptSet);
    const promptHash = createHash('sha256').update(JSON.stringify([promptSet.templates, promptSet.ensemble])).digest('hex').slice(0, 8);
    this.id = `clip:${basename(folder.dir)}@${hashes.vision.slice(0, 8)}+${hashes.text.slice(0, 8)};prompts=${dataset ?? 'default'}@${promptHash}`;
  }

  /**
   * Builds the teacher.
   * @throws UserError when files are missing (each named; see `resolveClipFolder`), a config is
   *   invalid, a model cannot be loaded or lacks the expected inputs/outputs (`pixel_values`-like
   *   4-D image input and `image_embeds`; `input_ids` and `text_embeds`), its fixed input size
   *   differs from the preprocessor's, there are no classes, or the logit scale is not > 0.
   */
  static async create(args: ClipTeacherArgs): Promise<ClipTeacher> {
    if (args.classNames.length === 0) throw new UserError('CLIP teacher: no target classes');
    const logitScale = args.logitScale ?? CLIP_LOGIT_SCALE;
    if (!(Number.isFinite(logitScale) && logitScale > 0)) throw new UserError(`CLIP teacher: logit scale must be a number > 0, got ${logitScale}`);
    const folder = await resolveClipFolder(args.dir, args.folder);
    const vision = await getSession(folder.visionModel, args.encode?.threads);
    if (!vision.outputNames.includes('image_embeds')) throw new UserError(`CLIP vision model ${folder.visionModel} has no "image_embeds" output (outputs: ${vision.outputNames.join(', ')}); export CLIPVisionModelWithProjection`);
    const inputName = vision.inputNames.includes('pixel_values') ? 'pixel_values' : vision.inputNames.length === 1 ? (vision.inputNames[0] as string) : undefined;
    if (inputName === undefined) throw new UserError(`CLIP vision model ${folder.visionModel}: cannot tell the image input among ${vision.inputNames.join(', ')} (expected "pixel_values")`);
    const pre = clipPreprocessSpec(await readJsonObject(folder.preprocessorConfig, 'preprocessor config'), folder.visionModel, inputName, folder.preprocessorConfig);
    const meta = (vision as { inputMetadata?: readonly { name: string; isTensor: boolean; shape?: readonly (number | string)[] }[] }).inputMetadata?.find((m) => m.name === inputName);
    if (meta?.isTensor && meta.shape) {
      const [, ch, h, w] = meta.shape;
      if (meta.shape.length !== 4) throw new UserError(`CLIP vision model ${folder.visionModel}: input ${inputName} must be 4-D [N,3,H,W], has shape [${meta.shape.join(',')}]`);
      if (typeof ch === 'number' && ch !== 3) throw new UserError(`CLIP vision model ${folder.visionModel}: input ${inputName} has ${ch} channels, expected 3`);
      for (const d of [h, w]) {
        if (typeof d === 'number' && d !== pre.spec.size) throw new UserError(`CLIP vision model ${folder.visionModel} expects ${h}×${w} images, but ${folder.preprocessorConfig} gives ${pre.spec.size}`);
      }
    }
    const text = await ClipTextEncoder.load(folder.tokenizer, folder.tokenizerConfig, folder.textModel, {
      ...(args.textBatchSize ? { batchSize: args.textBatchSize } : {}),
      ...(args.encode?.threads ? { threads: args.encode.threads } : {}),
    });
    const hashes = {
      vision: modelHash(folder.visionModel),
      text: modelHash(folder.textModel),
      tokenizer: modelHash(folder.tokenizer),
      tokenizerConfig: modelHash(folder.tokenizerConfig),
      preprocessor: modelHash(folder.preprocessorConfig),
    };
    const promptSet = args.prompts ?? promptSetFor(args.dataset);
    const notes = [...pre.notes];
    if (folder.downloaded.length > 0) notes.push(`downloaded: ${folder.downloaded.join(', ')}`);
    return new ClipTeacher(folder, pre.spec, args.classNames, promptSet, args.dataset, logitScale, text, hashes, notes, args.encode ?? {});
  }

  /**
   * Configuration (model files and hashes, preprocessing, prompts, class names, and the prompts
   * cut to the text model's context length under `truncatedPrompts`), for run records.
   */
  describe(): Record<string, unknown> {
    return {
      kind: 'clip',
      dir: this.folder.dir,
      visionModel: this.folder.visionModel,
      visionSha256: this.hashes.vision,
      textModel: this.folder.textModel,
      textSha256: this.hashes.text,
      tokenizerSha256: this.hashes.tokenizer,
      tokenizerConfigSha256: this.hashes.tokenizerConfig,
      preprocessorSha256: this.hashes.preprocessor,
      preprocessing: { size: this.spec.size, resize: this.spec.resize, interpolation: 'bilinear', scaling: this.spec.scaling, input: this.spec.inputName },
      logitScale: this.logitScale,
      dataset: this.dataset ?? null,
      templates: this.promptSet.templates,
      ensemble: this.promptSet.ensemble,
      promptSource: this.promptSet.source,
      classNames: this.classNames,
      cleanedClassNames: this.classNames.map(cleanClassName),
      prompts: this.prompts,
      truncatedPrompts: (this.truncated ??= this.text.truncatedPrompts(this.prompts.flat())),
      ...(this.notes.length > 0 ? { notes: this.notes } : {}),
    };
  }

  /**
   * The zero-shot text classifier (computed on first call, then memoised): W (unit columns) and
   * W_raw (raw means), both E×C (SPEC §3.3).
   * @throws UserError when the tokenizer or text model fails, or the embedding width differs
   *   from the image embeddings' (checked in {@link logits}).
   */
  textClassifier(): Promise<TextClassifier> {
    if (!this.classifier) {
      const flat = this.prompts.flat();
      this.classifier = this.text.embed(flat).then((emb) => buildTextClassifier(emb, this.classNames.length, this.promptSet.ensemble));
      this.classifier.catch(() => (this.classifier = null));
    }
    return this.classifier;
  }

  /**
   * Raw image embeddings φ(x) (not normalised), through the feature cache.
   * @returns N×E row-major; rows of undecodable images are zero and listed in {@link lastSkipped}.
   * @throws UserError when the model cannot be loaded or has no `image_embeds` output.
   */
  async imageEmbeddings(paths: readonly string[]): Promise<Matrix> {
    const r = await encodeImages(this.spec, paths, this.encodeOpts);
    this.lastSkipped = r.skipped;
    const m = r.outputs.image_embeds;
    if (!m) throw new UserError(`CLIP vision model ${this.folder.visionModel} returned no "image_embeds"`);
    return m;
  }

  /**
   * Zero-shot logits `s · normalize(φ(x)) · W`.
   * @returns N×C row-major; zero rows for undecodable images.
   * @throws UserError when image and text embedding widths differ.
   */
  async logits(paths: readonly string[]): Promise<Matrix> {
    const [feats, cls] = await Promise.all([this.imageEmbeddings(paths), this.textClassifier()]);
    if (feats.cols !== cls.W.rows) throw new UserError(`CLIP teacher: image embeddings have ${feats.cols} dimensions, text embeddings ${cls.W.rows}; the two ONNX models do not belong together`);
    return cosineLogits(feats, cls.W, this.logitScale);
  }

  /**
   * Zero-shot class probabilities softmax(s · cos) (SPEC §3.3).
   * @returns N×C row-major probabilities (rows sum to 1); rows of undecodable images are uniform
   *   (see {@link lastSkipped}).
   */
  async probs(paths: readonly string[]): Promise<Matrix> {
    return softmaxRows(await this.logits(paths));
  }
}
