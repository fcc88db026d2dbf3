#!/bin/sh
# Accuracy against stuck-cell rate (0, 2.5, 10 %; SA1:SA0 5:1 and 1:5; fault seed 1) on the
# 500 shipped test images for: none, mt-map, hosseini (memxbar sweep on the shipped model);
# fault-aware retraining (one model per ratio at 10 %, trained on that chip's map); NIA (one
# model per ratio, trained at 10 % with a fresh map per step, evaluated on the unseen seed-1 maps
# at 0, 2.5 and 10 %) with and without MT-map on top. Run from the project root:
#   sh docs/results/train-compare/run.sh /path/to/data_batch_1.bin OUTDIR [PART...]
#   npx tsx docs/results/train-compare/plot.ts OUTDIR
# Each training run is 60 steps of 8 images (480 training images); the training commands
# evaluate on 20 images only (their before/after line), the sweeps on 500. PART: base-0/6 …
# base-5/6 (then merge), nia-5:1, nia-1:5, fa-10-5:1, fa-10-1:5 (independent: they ran side by
# side); none = all, in that order.
set -e
TRAIN=$1; OUT=$2; shift 2
PARTS=${*:-"base-0/6 base-1/6 base-2/6 base-3/6 base-4/6 base-5/6 merge nia-5:1 nia-1:5 fa-10-5:1 fa-10-1:5"}
mkdir -p "$OUT"
COMMON="--config assets/run-default.json --set quant.calibrationImages=100"
TRAINING="--train-data $TRAIN --steps 60 --batch 8 --lr 0.0001 --optimizer adam --seed 1 --images 20 --json"
EVAL="--images 500 --seeds 1"
for part in $PARTS; do
  case $part in
    base-*)  # base-0/6 … base-5/6: the shards of the sweep (then merge)
      node bin/memxbar.js sweep $COMMON $EVAL --rates 0,2.5,10 --ratios 5:1,1:5 --mitigations none,hosseini,mt-map --shard ${part#base-} --out "$OUT/sweep-base" -q ;;
    merge)
      node bin/memxbar.js merge "$OUT"/sweep-base/sweep.shard-*.json --out "$OUT/sweep-base" ;;
    nia-eval-*)  # nia-eval-5:1-0/3 …: one of three shards of the NIA model's sweep (then merge-nia-5:1)
      rest=${part#nia-eval-}; ratio=${rest%-*}; r=$(echo $ratio | tr ':' '_')
      node bin/memxbar.js sweep $COMMON $EVAL --model "$OUT/nia-$r.onnx" --rates 0,2.5,10 --ratios $ratio \
        --mitigations none,mt-map --shard ${rest##*-} --out "$OUT/sweep-nia-$r" -q ;;
    merge-nia-*)
      r=$(echo ${part#merge-nia-} | tr ':' '_')
      node bin/memxbar.js merge "$OUT"/sweep-nia-$r/sweep.shard-*.json --out "$OUT/sweep-nia-$r" ;;
    nia-*)
      ratio=${part#nia-}; r=$(echo $ratio | tr ':' '_')
      node bin/memxbar.js train $COMMON --mode nia --fault-rate 10 --ratio $ratio --fault-seed 1 $TRAINING \
        --out "$OUT/nia-$r.onnx" > "$OUT/train-nia-$r.json" 2> "$OUT/train-nia-$r.log"
      for i in 0 1 2; do sh "$0" "$TRAIN" "$OUT" nia-eval-$ratio-$i/3; done
      sh "$0" "$TRAIN" "$OUT" merge-nia-$ratio ;;
    fa-*)
      rest=${part#fa-}; rate=${rest%%-*}; ratio=${rest#*-}; r=$(echo $ratio | tr ':' '_')
      node bin/memxbar.js train $COMMON --fault-rate $rate --ratio $ratio --fault-seed 1 $TRAINING \
        --out "$OUT/fa-$rate-$r.onnx" > "$OUT/train-fa-$rate-$r.json" 2> "$OUT/train-fa-$rate-$r.log"
      node bin/memxbar.js sweep $COMMON $EVAL --model "$OUT/fa-$rate-$r.onnx" --rates $rate --ratios $ratio \
        --mitigations none --out "$OUT/sweep-fa-$rate-$r" -q ;;
    *) echo "unknown part $part" >&2; exit 2 ;;
  esac
done
