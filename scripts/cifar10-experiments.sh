#!/usr/bin/env bash
# Reproduces the README's CIFAR-10 figures: pcoreset and random, zero-shot KD and no-distill,
# 16 rounds, seeds 1-5, for the adapter and the linear-heads student, on the full CIFAR-10
# (50,000-image pool, 10,000 test images) from ../shared/assets (or $CIFAR10_TAR). The figures were
# computed with the v1-sharp image preprocessing (the default then): ACTIVEKD_PREPROCESS=v2-graph
# runs them with today's default instead.
# Usage: bash scripts/cifar10-experiments.sh [frameworks] [heads]
set -euo pipefail
cd "$(dirname "$0")/.."
tar_file="${CIFAR10_TAR:-../shared/assets/datasets/cifar10-jpg.tar.gz}"
data=.cache/cifar10
if [ ! -d "$data/train" ]; then
  mkdir -p "$data"
  tar xzf "$tar_file" -C "$data"
fi
frameworks="${1:-zero-shot,no-distill}"
heads="${2:-adapter linear}"
for head in $heads; do
  for fw in ${frameworks//,/ }; do
    npx tsx src/cli/main.ts run --data "$data" --strategy pcoreset,random --framework "$fw" \
      --seeds 1-5 --rounds 16 --student-head "$head" --preprocess "${ACTIVEKD_PREPROCESS:-v1-sharp}" --out "runs/cifar10-$head-$fw" | tee "runs/cifar10-$head-$fw.log"
  done
done
