/**
 * The assets embedded in the repository (`assets/`): two ImageNet MobileNets as ONNX, the ImageNet
 * label list, the CIFAR-10 and Fashion-MNIST → ImageNet class maps and a small real CIFAR-10 subset. Paths are
 * absolute, resolved from this module's location, so they work from any working directory; this module
 * sits one level below the package root both as source (`src/assets.ts`) and compiled (`dist/assets.js`),
 * and the npm package ships `assets/` beside `dist/`.
 * Provenance, licenses and checksums: `assets/models/README.md`, `assets/data/cifar10-mini/README.md`.
 */
import { fileURLToPath } from 'node:url';

/** Absolute path of a file under the repository's `assets/` folder. */
function asset(rel: string): string {
  return fileURLToPath(new URL(`../assets/${rel}`, import.meta.url));
}

/** Absolute paths of the embedded assets. */
export const ASSETS = Object.freeze({
  /** The `assets/` folder itself. */
  root: asset(''),
  /** MobileNetV1 1.0/224 embedding extractor: `input` [N,3,224,224] → `features` [N,1024]. */
  mobilenetV1: asset('models/mobilenet_v1_1.0_224_embedding.onnx'),
  /** MobileNetV2 1.0/224 ImageNet classifier: `input` → `features` [N,1280], `logits`/`probs` [N,1001]. */
  mobilenetV2: asset('models/mobilenet_v2_1.0_224_imagenet.onnx'),
  /** 1001 ImageNet labels, line i ↔ MobileNetV2 output i (line 0 = `background`). */
  imagenetLabels: asset('models/imagenet_labels.txt'),
  /** CIFAR-10 class name → ImageNet label names (exact lines of `imagenetLabels`). */
  cifar10ToImagenet: asset('maps/cifar10_to_imagenet.json'),
  /** Fashion-MNIST class name → ImageNet label names (exact lines of `imagenetLabels`). */
  fashionMnistToImagenet: asset('maps/fashion_mnist_to_imagenet.json'),
  /** ImageFolder root of the embedded CIFAR-10 subset: 200 train + 100 test images per class. */
  cifar10Mini: asset('data/cifar10-mini'),
});

/** sha256 of the embedded ONNX models (assets/models/README.md). */
export const MODEL_SHA256 = Object.freeze({
  mobilenetV1: '47440d90a037c26304e6d5f49d270072aefd7efbe20d40755f464ce7e3340ba8',
  mobilenetV2: '55197b16c36980c422299bfddb1bcfa56d0d7d552d6d16fc9b70a6476aab3d88',
});
