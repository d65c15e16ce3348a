/**
 * The dataset model shared by readers, encoders and the loop.
 *
 * Items have stable string ids (the image path relative to the dataset root, with `/` separators):
 * never positions in a shrinking pool (docs/ARCHITECTURE.md "Key types").
 */
export interface Split {
  /** Stable item ids, e.g. `train/cat/0001.jpg`. */
  readonly ids: string[];
  /** Absolute file paths, parallel to `ids`. */
  readonly paths: string[];
  /** Ground-truth class index per item, parallel to `ids`; -1 = unknown. */
  readonly labels: Int32Array;
}

/** A labeled image dataset with a training pool and an optional test split. */
export interface Dataset {
  /** Absolute root folder the ids are relative to. */
  readonly root: string;
  /** Class names in label order. */
  readonly classNames: string[];
  /** The training split: the active-learning pool. */
  readonly train: Split;
  /** The evaluation split, when the dataset has one. */
  readonly test?: Split;
  /** Files found but not usable (unreadable, not an image), with the reason; reported by the run. */
  readonly skipped: SkippedFile[];
  /**
   * The label number the source file gives each class, in class order (`originalLabels[c]` is the
   * file's number of class index `c`), present only when the reader re-indexed them because they are
   * not 0…C−1 (e.g. a CoOp split whose labels have a gap: 0, 1, 3 → 0, 1, 2). `datasets check`
   * reports it; results should record it.
   */
  readonly originalLabels?: readonly number[];
  /**
   * The files that define the dataset's items, labels or classes (split file, manifest, classes
   * file, FGVC lists, IDX label files; not the images), with their sha256, as the reader and
   * `openDataset` read them; recorded in results.json (issue 15 #23).
   */
  readonly sources?: readonly DataSource[];
}

/** A file a dataset was defined by, and the sha256 (hex) of its bytes. */
export interface DataSource {
  readonly path: string;
  readonly sha256: string;
}

/** A file that a reader or encoder skipped, and why. */
export interface SkippedFile {
  readonly path: string;
  readonly reason: string;
}
