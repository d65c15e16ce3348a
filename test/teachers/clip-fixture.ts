/**
 * A tiny CLIP-like model folder in the transformers.js layout, with known weights, for tests:
 *
 * - vision: pixel_values [N,3,S,S] → GlobalAveragePool → Flatten → MatMul Wv (3×E) → Add bv → image_embeds [N,E]
 * - text: input_ids [N,L] → Gather(emb V×H) → masked mean over tokens (attention_mask) → MatMul Wt (H×E) → text_embeds [N,E]
 * - tokenizer.json: a small CLIP-style BPE (NFC + whitespace + lowercase normaliser, CLIP's Split
 *   regex + ByteLevel pre-tokeniser, `</w>` word suffix, `<|startoftext|>`/`<|endoftext|>` added by
 *   RobertaProcessing) whose merges build every word of {@link FIXTURE_WORDS} into one token.
 *
 * Also the reference computations (plain TS) used to check the teacher independently.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GraphBuilder } from '../../src/linalg/onnx-graph.ts';

/** Words that tokenise to one token each (`word</w>`). */
export const FIXTURE_WORDS = [
  'a', 'photo', 'of', 'the', 'cat', 'dog', 'sea', 'or', 'lake', 'texture', 'itap', 'bad', 'origami', 'large', 'in', 'video', 'game', 'art', 'small',
  'airplane', 'automobile', 'bird', 'deer', 'frog', 'horse', 'ship', 'truck',
];

/** The fixture's weights and vocabulary. */
export interface ClipFixture {
  dir: string;
  size: number;
  E: number;
  H: number;
  /** 3×E row-major. */
  Wv: number[];
  /** E. */
  bv: number[];
  /** V×H row-major token embeddings. */
  emb: number[];
  /** H×E row-major. */
  Wt: number[];
  vocab: Record<string, number>;
  sot: number;
  eot: number;
  mean: number[];
  std: number[];
}

/** Deterministic pseudo-random weights in [−1, 1) (a simple LCG; tests need no statistical quality). */
function weights(n: number, seed: number): number[] {
  let s = seed >>> 0;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return Math.round(((s / 4294967296) * 2 - 1) * 1000) / 1000;
  });
}

/** Options of {@link makeClipFolder}. */
export interface ClipFixtureOptions {
  size?: number;
  E?: number;
  H?: number;
  seed?: number;
  /** Omit these files (relative paths) to test error messages. */
  omit?: string[];
  /** Extra fields merged into preprocessor_config.json. */
  preprocessor?: Record<string, unknown>;
}

/** Writes the fixture folder into `dir` and returns its weights. */
export function makeClipFolder(dir: string, opts: ClipFixtureOptions = {}): ClipFixture {
  const size = opts.size ?? 8;
  const E = opts.E ?? 6;
  const H = opts.H ?? 5;
  const seed = opts.seed ?? 7;
  const omit = new Set(opts.omit ?? []);
  mkdirSync(join(dir, 'onnx'), { recursive: true });
  const write = (rel: string, data: string | Uint8Array): void => {
    if (!omit.has(rel)) writeFileSync(join(dir, rel), data);
  };

  // Tokenizer.
  const vocab: Record<string, number> = {};
  const add = (t: string): void => {
    if (!(t in vocab)) vocab[t] = Object.keys(vocab).length;
  };
  const chars = 'abcdefghijklmnopqrstuvwxyz.,';
  for (const ch of chars) add(ch);
  for (const ch of chars) add(`${ch}</w>`);
  const merges: [string, string][] = [];
  for (const w of FIXTURE_WORDS) {
    const pieces = [...w].map((c, i, a) => (i === a.length - 1 ? `${c}</w>` : c));
    let cur = pieces[0] as string;
    for (let i = 1; i < pieces.length; i++) {
      const m: [string, string] = [cur, pieces[i] as string];
      cur += pieces[i] as string;
      if (!(cur in vocab)) {
        merges.push(m);
        add(cur);
      }
    }
  }
  add('<|startoftext|>');
  add('<|endoftext|>');
  const sot = vocab['<|startoftext|>'] as number;
  const eot = vocab['<|endoftext|>'] as number;
  const tokenizer = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [
      { id: sot, content: '<|startoftext|>', single_word: false, lstrip: false, rstrip: false, normalized: true, special: true },
      { id: eot, content: '<|endoftext|>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
    ],
    normalizer: { type: 'Sequence', normalizers: [{ type: 'NFC' }, { type: 'Replace', pattern: { Regex: '\\s+' }, content: ' ' }, { type: 'Lowercase' }] },
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        { type: 'Split', pattern: { Regex: "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+" }, behavior: 'Removed', invert: true },
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
      ],
    },
    post_processor: { type: 'RobertaProcessing', sep: ['<|endoftext|>', eot], cls: ['<|startoftext|>', sot], trim_offsets: false, add_prefix_space: false },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: { type: 'BPE', dropout: null, unk_token: '<|endoftext|>', continuing_subword_prefix: '', end_of_word_suffix: '</w>', fuse_unk: false, byte_fallback: false, vocab, merges },
  };
  write('tokenizer.json', JSON.stringify(tokenizer));
  write(
    'tokenizer_config.json',
    JSON.stringify({ model_max_length: 77, pad_token: '<|endoftext|>', bos_token: '<|startoftext|>', eos_token: '<|endoftext|>', unk_token: '<|endoftext|>', tokenizer_class: 'CLIPTokenizer' }),
  );
  const mean = [0.48145466, 0.4578275, 0.40821073];
  const std = [0.26862954, 0.26130258, 0.27577711];
  write(
    'preprocessor_config.json',
    JSON.stringify({
      crop_size: { height: size, width: size },
      do_center_crop: true,
      do_normalize: true,
      do_rescale: true,
      do_resize: true,
      image_mean: mean,
      image_std: std,
      resample: 3,
      rescale_factor: 1 / 255,
      size: { shortest_edge: size },
      ...opts.preprocessor,
    }),
  );

  // Vision model.
  const Wv = weights(3 * E, seed);
  const bv = weights(E, seed + 1);
  {
    const g = new GraphBuilder('clip_vision_tiny');
    const x = g.input('pixel_values', 'float32', ['N', 3, size, size]);
    const pooled = g.op('GlobalAveragePool', [x]);
    const flat = g.op('Flatten', [pooled], { axis: 1 });
    const w = g.initializer('Wv', 'float32', [3, E], Wv);
    const b = g.initializer('bv', 'float32', [E], bv);
    const y = g.op('Add', [g.op('MatMul', [flat, w]), b], {}, 'image_embeds');
    g.output(y, 'float32', ['N', E]);
    write('onnx/vision_model.onnx', g.build());
  }

  // Text model.
  const V = Object.keys(vocab).length;
  const emb = weights(V * H, seed + 2);
  const Wt = weights(H * E, seed + 3);
  {
    const g = new GraphBuilder('clip_text_tiny');
    const ids = g.input('input_ids', 'int64', ['N', 'L']);
    const mask = g.input('attention_mask', 'int64', ['N', 'L']);
    const table = g.initializer('emb', 'float32', [V, H], emb);
    const tok = g.op('Gather', [table, ids], { axis: 0 }); // [N,L,H]
    const m = g.op('Cast', [mask], { to: 1 }); // float
    const m3 = g.op('Unsqueeze', [m, g.constInt64([2])]); // [N,L,1]
    const sum = g.op('ReduceSum', [g.op('Mul', [tok, m3]), g.constInt64([1])], { keepdims: 0 }); // [N,H]
    const cnt = g.op('ReduceSum', [m, g.constInt64([1])], { keepdims: 1 }); // [N,1]
    const pooled = g.op('Div', [sum, cnt]);
    const w = g.initializer('Wt', 'float32', [H, E], Wt);
    g.output(g.op('MatMul', [pooled, w], {}, 'text_embeds'), 'float32', ['N', E]);
    write('onnx/text_model.onnx', g.build());
  }
  return { dir, size, E, H, Wv, bv, emb, Wt, vocab, sot, eot, mean, std };
}

/** Reference tokenisation: CLIP's split into letter runs / digits / punctuation runs; every word is one `word</w>` token. */
export function refTokenize(fx: ClipFixture, prompt: string): number[] {
  const words = prompt.toLowerCase().match(/[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+/gu) ?? [];
  return [
    fx.sot,
    ...words.map((w) => {
      const id = fx.vocab[`${w}</w>`];
      if (id === undefined) throw new Error(`fixture vocabulary lacks "${w}"`);
      return id;
    }),
    fx.eot,
  ];
}

/** Reference raw text embedding of a prompt (mean token embedding · Wt). */
export function refTextEmbed(fx: ClipFixture, prompt: string): number[] {
  const ids = refTokenize(fx, prompt);
  const pooled = new Array<number>(fx.H).fill(0);
  for (const id of ids) for (let h = 0; h < fx.H; h++) pooled[h] = pooled[h]! + fx.emb[id * fx.H + h]! / ids.length;
  return Array.from({ length: fx.E }, (_, e) => pooled.reduce((s, v, h) => s + v * fx.Wt[h * fx.E + e]!, 0));
}

/** Reference image embedding of a constant-colour crop with RGB `rgb` (0–255). */
export function refImageEmbed(fx: ClipFixture, rgb: readonly number[]): number[] {
  const x = rgb.map((v, c) => (v / 255 - fx.mean[c]!) / fx.std[c]!);
  return Array.from({ length: fx.E }, (_, e) => fx.bv[e]! + x.reduce((s, v, c) => s + v * fx.Wv[c * fx.E + e]!, 0));
}

/** Unit-normalised copy. */
export function unit(v: readonly number[]): number[] {
  const n = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return v.map((x) => x / n);
}

/** Reference zero-shot probabilities: softmax(100 · cos(image, w_c)). */
export function refProbs(image: readonly number[], classifier: readonly (readonly number[])[], scale = 100): number[] {
  const f = unit(image);
  const logits = classifier.map((w) => scale * f.reduce((s, v, i) => s + v * w[i]!, 0));
  const m = Math.max(...logits);
  const e = logits.map((l) => Math.exp(l - m));
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / z);
}

/**
 * Reference classifier columns (one unit E-vector per class) and raw means, following SPEC §3.3:
 * `mean-raw` → normalize(mean raw); `normalize-each` → normalize(mean normalize(raw)).
 */
export function refClassifier(fx: ClipFixture, prompts: readonly (readonly string[])[], ensemble: 'mean-raw' | 'normalize-each'): { W: number[][]; Wraw: number[][] } {
  const W: number[][] = [];
  const Wraw: number[][] = [];
  for (const ps of prompts) {
    const embs = ps.map((p) => refTextEmbed(fx, p));
    const raw = Array.from({ length: fx.E }, (_, e) => embs.reduce((s, v) => s + v[e]!, 0) / embs.length);
    Wraw.push(raw);
    if (ensemble === 'mean-raw') W.push(unit(raw));
    else {
      const us = embs.map(unit);
      W.push(unit(Array.from({ length: fx.E }, (_, e) => us.reduce((s, v) => s + v[e]!, 0) / us.length)));
    }
  }
  return { W, Wraw };
}
