/**
 * Public API of the selection strategies (SPEC.md §9): the registry, every strategy factory, and the
 * pure kernels they wrap.
 */
export * from './types.ts';
export * from './registry.ts';
export { createRandom, type RandomOptions } from './random.ts';
export { createEntropy, type EntropyOptions } from './entropy.ts';
export { createMargin, type MarginOptions } from './margin.ts';
export { createLeastConfidence, type LeastConfidenceOptions } from './least-confidence.ts';
export { createCoreset, type CoresetOptions } from './coreset.ts';
export { createBadge, type BadgeHead, type BadgeOptions } from './badge.ts';
export { classBalancedAllocation, createClassBalanced, type ClassBalancedAllocation, type ClassBalancedOptions } from './class-balanced.ts';
export { createPCoreSet, createPCoreSetReverse, probabilitySpace, type PCoreSetOptions, type PCoreSetReverseOptions, type ProbabilitySpace } from './pcoreset.ts';
export { entropyScores, leastConfidenceScores, marginScores, ENTROPY_EPS } from './scores.ts';
export { checkSelectionInputs, topQ } from './common.ts';
export { kCenterGreedy, type KCenterArgs, type KCenterDistance, type KCenterMode, type KCenterResult } from './kcenter.ts';
export { badgeDistance, badgeEmbeddingDot, badgeFactors, badgeGreedy, type BadgeArgs, type BadgeFactors, type BadgeFirstPick } from './badge-kernel.ts';
export { badgeGreedyAuto, badgeGreedyGraph, kCenterGreedyAuto, kCenterGreedyGraph, preferGraph, releaseKCenterGraphs, type GraphKind, type KCenterBackend } from './kcenter-graph.ts';
export { badgeKMeansPP, createBadgeKMeansPP, twoHeadFactors, twoHeadSqDistance, type BadgeKMeansPPArgs, type BadgeKMeansPPOptions, type TwoHeadFactors } from './badge-kmeanspp.ts';
export { createTypiClust, typicality, type TypiClustOptions } from './typiclust.ts';
export { ballGraph, createProbCover, purityDelta, type BallGraph, type ProbCoverOptions } from './probcover.ts';
export { badgeGreedyThreaded, kCenterGreedyThreaded } from './kcenter-threads.ts';
