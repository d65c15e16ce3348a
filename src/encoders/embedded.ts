/** Encoder contracts of the embedded ImageNet MobileNets (assets/models, see src/assets.ts). */
import { ASSETS } from '../assets.ts';
import type { EncoderSpec } from './spec.ts';

/**
 * Encoder spec of the MobileNetV1 1.0/224 embedding extractor (the default student backbone).
 *
 * Input 224×224 RGB, NCHW, scaled v/127.5 − 1 (`tanh`, TF-slim convention); output `features`
 * [N,1024]. Resize is `fill` (stretch to 224×224): CIFAR images are 32×32 squares, so stretching
 * and shorter-side-resize + centre-crop give the same pixels, and `fill` also keeps the whole
 * image for non-square inputs instead of cropping.
 * @param modelPath a different copy of the same model; defaults to the embedded one.
 */
export function mobilenetV1Spec(modelPath: string = ASSETS.mobilenetV1): EncoderSpec {
  return {
    name: 'mobilenet_v1',
    modelPath,
    inputName: 'input',
    size: 224,
    resize: 'fill',
    scaling: { kind: 'tanh' },
    outputs: ['features'],
  };
}

/**
 * Encoder spec of the MobileNetV2 1.0/224 ImageNet classifier (backbone of the label-transfer
 * teacher; also usable as a student backbone through `features`).
 *
 * Same input contract as {@link mobilenetV1Spec} (224, `fill`, `tanh`). Outputs: `probs`
 * [N,1001] (softmax over `background` + the 1000 ImageNet classes) always, and optionally `logits`
 * [N,1001] and `features` [N,1280].
 * @param modelPath a different copy of the same model; defaults to the embedded one.
 * @param extraOutputs further outputs to keep besides `probs`.
 */
export function mobilenetV2Spec(modelPath: string = ASSETS.mobilenetV2, extraOutputs: ReadonlyArray<'logits' | 'features'> = []): EncoderSpec {
  return {
    name: 'mobilenet_v2',
    modelPath,
    inputName: 'input',
    size: 224,
    resize: 'fill',
    scaling: { kind: 'tanh' },
    outputs: ['probs', ...extraOutputs.filter((o, i, a) => a.indexOf(o) === i)],
  };
}
