#!/bin/sh
# Accuracy at 2.5 % and 10 % stuck cells, SA1:SA0 5:1 and 1:5, fault seed 1, on 40 test images:
# none, mt-map and hosseini (memxbar sweep) and fault-aware retraining (memxbar train on that map; at
# 10 % it reported on 200 images, so the model is evaluated again on the 40). Run from the
# project root; the commands are independent (they ran side by side):
#   sh docs/results/train-faults/run.sh /path/to/data_batch_1.bin OUTDIR
#   npx tsx docs/results/train-faults/plot.ts OUTDIR
set -e
TRAIN=$1; OUT=$2
mkdir -p "$OUT"
COMMON="--config assets/run-default.json --set quant.calibrationImages=100"
TRAINING="--train-data $TRAIN --steps 30 --batch 16 --lr 0.0001 --optimizer adam --seed 1 --json -q"
for ratio in 5:1 1:5; do
  tag=$(echo "2.5-$ratio" | tr ':' '_')
  node bin/memxbar.js train $COMMON --images 40 --fault-rate 2.5 --ratio $ratio --fault-seed 1 $TRAINING \
    --out "$OUT/retrained-$tag.onnx" > "$OUT/train-$tag.json"
  tag=$(echo "10-$ratio" | tr ':' '_')
  node bin/memxbar.js train $COMMON --images 200 --fault-rate 10 --ratio $ratio --fault-seed 1 $TRAINING \
    --out "$OUT/retrained-$tag.onnx" > "$OUT/train-$tag.json"
  node bin/memxbar.js eval --crossbar --no-float $COMMON --model "$OUT/retrained-$tag.onnx" --images 40 \
    --fault-rate 10 --ratio $ratio --fault-seed 1 --json -q > "$OUT/eval-$tag.json"
done
node bin/memxbar.js sweep $COMMON --images 40 --rates 0,2.5 --ratios 5:1,1:5 --seeds 1 --mitigations none,hosseini --out "$OUT/sweep-b" -q
node bin/memxbar.js sweep $COMMON --images 40 --rates 10 --ratios 5:1,1:5 --seeds 1 --mitigations none,hosseini --out "$OUT/sweep-c" -q
node bin/memxbar.js sweep $COMMON --images 40 --rates 2.5,10 --ratios 5:1,1:5 --seeds 1 --mitigations mt-map --out "$OUT/sweep-d" -q
