/**
 * The CLIP text tower: tokenisation with the Hugging Face tokenizers library
 * (`@huggingface/tokenizers`, the tokenizer of transformers.js) and the ONNX text model
 * (`input_ids`, `attention_mask` → `text_embeds`), batched with padding (SPEC.md §3.3).
 */
import { Tokenizer } from '@huggingface/tokenizers';
import * as ort from 'onnxruntime-node';
import { getSession } from '../../encoders/session.ts';
import { matrix, type Matrix } from '../../linalg/matrix.ts';
import { UserError } from '../../util/errors.ts';
import { readJsonObject } from './files.ts';

/** A prompt cut to the text model's context length (recorded in results.json, issue 15 #14). */
export interface TruncatedPrompt {
  /** The prompt as written. */
  readonly prompt: string;
  /** Its token count with the special tokens (start and end of text). */
  readonly tokens: number;
  /** Tokens kept: the first keptTokens − 1 and the end-of-text token. */
  readonly keptTokens: number;
}

/** Prompts longer than this (CLIP's context length) are truncated when the config gives no limit. */
export const CLIP_CONTEXT_LENGTH = 77;

/** A tokenised batch: ids and mask, row-major N×L, padded with the pad id. */
export interface TokenBatch {
  readonly ids: number[][];
  readonly mask: number[][];
}

/** Options of {@link ClipTextEncoder.load}. */
export interface ClipTextOptions {
  /** Prompts per inference call (default 64). */
  batchSize?: number;
  /** onnxruntime intra-op threads (default: all cores). */
  threads?: number;
}

function tokenName(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'object' && v !== null && typeof (v as { content?: unknown }).content === 'string') return (v as { content: string }).content;
  return undefined;
}

/**
 * Tokenizer + ONNX text model of a CLIP folder. Create with {@link ClipTextEncoder.load}.
 */
export class ClipTextEncoder {
  private constructor(
    private readonly tokenizer: Tokenizer,
    private readonly session: ort.InferenceSession,
    private readonly modelPath: string,
    /** Id used to pad batches (tokenizer_config `pad_token`, else `eos_token`, else 0). */
    readonly padId: number,
    /** Longest token sequence; longer prompts keep their first maxLength−1 tokens and their last. */
    readonly maxLength: number,
    /** Fixed sequence length of the model input, when its shape declares one. */
    readonly fixedLength: number | undefined,
    private readonly idType: 'int64' | 'int32',
    private readonly batchSize: number,
  ) {}

  /**
   * Loads the tokenizer files and the text model, and checks the model's inputs and outputs.
   * @throws UserError when a file cannot be read or parsed, the tokenizer cannot be built, or the
   *   model has no `input_ids` input / no `text_embeds` output / an input other than `input_ids`,
   *   `attention_mask` and `position_ids`.
   */
  static async load(tokenizerFile: string, tokenizerConfigFile: string, modelPath: string, opts: ClipTextOptions = {}): Promise<ClipTextEncoder> {
    const [tj, tc] = await Promise.all([readJsonObject(tokenizerFile, 'tokenizer file'), readJsonObject(tokenizerConfigFile, 'tokenizer config')]);
    let tokenizer: Tokenizer;
    try {
      tokenizer = new Tokenizer(tj, tc);
    } catch (e) {
      throw new UserError(`cannot build the tokenizer from ${tokenizerFile}: ${(e as Error).message}`);
    }
    const padName = tokenName(tc.pad_token) ?? tokenName(tc.eos_token);
    let padId = padName === undefined ? undefined : tokenizer.token_to_id(padName);
    if (padId === undefined) {
      const p = (tj.padding as { pad_id?: unknown } | null | undefined)?.pad_id;
      padId = typeof p === 'number' ? p : 0;
    }
    const mml = tc.model_max_length;
    const maxLength = typeof mml === 'number' && Number.isInteger(mml) && mml > 1 && mml < 1e6 ? mml : CLIP_CONTEXT_LENGTH;

    const session = await getSession(modelPath, opts.threads);
    if (!session.inputNames.includes('input_ids')) throw new UserError(`CLIP text model ${modelPath} has no "input_ids" input (inputs: ${session.inputNames.join(', ')})`);
    const unknown = session.inputNames.filter((n) => n !== 'input_ids' && n !== 'attention_mask' && n !== 'position_ids');
    if (unknown.length > 0) throw new UserError(`CLIP text model ${modelPath} has unsupported input(s) ${unknown.join(', ')} (supported: input_ids, attention_mask, position_ids)`);
    if (!session.outputNames.includes('text_embeds')) throw new UserError(`CLIP text model ${modelPath} has no "text_embeds" output (outputs: ${session.outputNames.join(', ')}); export CLIPTextModelWithProjection`);
    let fixedLength: number | undefined;
    let idType: 'int64' | 'int32' = 'int64';
    const meta = (session as { inputMetadata?: readonly ort.InferenceSession.ValueMetadata[] }).inputMetadata;
    const idsMeta = meta?.find((m) => m.name === 'input_ids');
    if (idsMeta && idsMeta.isTensor) {
      const dim = idsMeta.shape[1];
      if (typeof dim === 'number' && dim > 0) fixedLength = dim;
      if (idsMeta.type === 'int32') idType = 'int32';
    }
    const effMax = fixedLength !== undefined ? Math.min(fixedLength, maxLength) : maxLength;
    return new ClipTextEncoder(tokenizer, session, modelPath, padId, effMax, fixedLength, idType, opts.batchSize ?? 64);
  }

  /**
   * Token ids of one prompt, with the tokenizer's special tokens (CLIP: start and end of text),
   * truncated to {@link maxLength} keeping the final (end-of-text) token.
   * @throws UserError when the tokenizer yields a token outside its vocabulary.
   */
  tokenize(prompt: string): number[] {
    const enc = this.tokenizer.encode(prompt);
    const bad = enc.ids.findIndex((id: unknown) => typeof id !== 'number' || !Number.isInteger(id));
    if (bad >= 0) throw new UserError(`tokenizer: prompt "${prompt}" has token "${enc.tokens[bad]}" that is not in the vocabulary`);
    let ids = enc.ids;
    if (ids.length > this.maxLength) ids = [...ids.slice(0, this.maxLength - 1), ids[ids.length - 1] as number];
    return ids;
  }

  /**
   * The prompts {@link tokenize} cuts (longer than {@link maxLength} tokens with the special
   * tokens, e.g. CLIP's 77), with their full token count, in input order; empty when none is cut.
   * @throws UserError as {@link tokenize}.
   */
  truncatedPrompts(prompts: readonly string[]): TruncatedPrompt[] {
    const out: TruncatedPrompt[] = [];
    for (const prompt of prompts) {
      const tokens = this.tokenizer.encode(prompt).ids.length;
      if (tokens > this.maxLength) out.push({ prompt, tokens, keptTokens: this.maxLength });
    }
    return out;
  }

  /**
   * Tokenises prompts and pads them to the longest (or to the model's fixed length) with
   * {@link padId}; the mask is 1 on tokens, 0 on padding.
   */
  tokenizeBatch(prompts: readonly string[]): TokenBatch {
    const seqs = prompts.map((p) => this.tokenize(p));
    const len = this.fixedLength ?? Math.max(1, ...seqs.map((s) => s.length));
    return {
      ids: seqs.map((s) => [...s, ...new Array<number>(len - s.length).fill(this.padId)]),
      mask: seqs.map((s) => [...new Array<number>(s.length).fill(1), ...new Array<number>(len - s.length).fill(0)]),
    };
  }

  /**
   * Raw (unnormalised) text embeddings of prompts, batched.
   * @returns N×E row-major, row i ↔ prompts[i].
   * @throws UserError when the model fails to run or returns an output of the wrong shape.
   */
  async embed(prompts: readonly string[]): Promise<Matrix> {
    let out: Float32Array | null = null;
    let e = 0;
    for (let s = 0; s < prompts.length; s += this.batchSize) {
      const chunk = prompts.slice(s, s + this.batchSize);
      const { ids, mask } = this.tokenizeBatch(chunk);
      const n = chunk.length;
      const len = (ids[0] as number[]).length;
      const tensor = (rows: number[][]): ort.Tensor =>
        this.idType === 'int64'
          ? new ort.Tensor('int64', BigInt64Array.from(rows.flat(), (v) => BigInt(v)), [n, len])
          : new ort.Tensor('int32', Int32Array.from(rows.flat()), [n, len]);
      const feeds: Record<string, ort.Tensor> = { input_ids: tensor(ids) };
      if (this.session.inputNames.includes('attention_mask')) feeds.attention_mask = tensor(mask);
      if (this.session.inputNames.includes('position_ids')) feeds.position_ids = tensor(ids.map((r) => r.map((_, k) => k)));
      let r: ort.InferenceSession.OnnxValueMapType;
      try {
        r = await this.session.run(feeds, ['text_embeds']);
      } catch (err) {
        throw new UserError(`CLIP text model ${this.modelPath} failed: ${(err as Error).message}`);
      }
      const t = r.text_embeds;
      if (!t || t.dims.length !== 2 || t.dims[0] !== n) throw new UserError(`CLIP text model ${this.modelPath}: text_embeds has shape [${t?.dims.join(',') ?? ''}], expected [${n}, E]`);
      const width = t.dims[1] as number;
      if (out === null) {
        e = width;
        out = new Float32Array(prompts.length * e);
      } else if (width !== e) throw new UserError(`CLIP text model ${this.modelPath}: inconsistent embedding width ${width} vs ${e}`);
      out.set(t.data as Float32Array, s * e);
    }
    return matrix(prompts.length, e, out ?? new Float32Array(0));
  }
}
