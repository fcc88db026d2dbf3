#!/bin/sh
# Accuracy against stuck-at fault rate: none, mt-map, hosseini (memxbar sweep) and fault-aware
# retraining (memxbar train, one run per fault map; 10 % only, for time) on the same maps. Run
# from the project root (the runs are independent: docs/results/README.md ran them side by side):
#   sh docs/results/train-faults/run.sh /path/to/data_batch_1.bin OUTDIR
set -e
TRAIN=$1; OUT=$2
mkdir -p "$OUT"
COMMON="--config assets/run-default.json --images 200 --set quant.calibrationImages=100"
node bin/memxbar.js sweep $COMMON --rates 0,2.5,10 --ratios 5:1,1:5 --seeds 1 --mitigations none,mt-map,hosseini --out "$OUT/sweep" -q
for ratio in 5:1 1:5; do
  for rate in 10; do
    tag=$(echo "$rate-$ratio" | tr ':' '_')
    node bin/memxbar.js train $COMMON --fault-rate $rate --ratio $ratio --fault-seed 1 \
      --train-data "$TRAIN" --steps 30 --batch 16 --lr 0.0001 --optimizer adam --seed 1 \
      --out "$OUT/retrained-$tag.onnx" --json -q > "$OUT/train-$tag.json"
  done
done
