#!/bin/sh
# The comparison's second round (docs/results/README.md "Training on the crossbar against MT"):
# the 50 % rate, a second fault seed, fault-aware retraining at 2.5 % and 50 %, and a learning-rate
# and length study of fault-aware retraining at 10 % (1:5). Same settings as run.sh (VGG8-w0.5,
# assets/run-default.json, calibration on 100 images, 500 test images per sweep point; training
# batches of 8 from the given data, Adam, training seed 1). Run from the project root:
#   sh docs/results/train-compare/run-more.sh /path/to/data_batch_1.bin OUTDIR PART...
#   npx tsx docs/results/train-compare/plot.ts OUTDIR
# PART:
#   base-RATES-sN               none, hosseini, mt-map on the shipped model (RATES e.g. 50 or 2.5,10,50), fault seeds 1..N
#   nia-RATIO-RATES-sN          none and mt-map on run.sh's NIA model OUTDIR/nia-R_R.onnx (trained at 10 %), fault seeds 1..N
#   fa-RATE-RATIO-sSEED         fault-aware retraining on the chip of fault seed SEED (60 steps, lr 1e-4, as run.sh),
#                               then its sweep point (that seed only; the sweeps of the study's first run of the
#                               seed-2 parts also evaluated seed 1, which plot.ts leaves out)
#   lr-LR-STEPS[-RATE-RATIO]    fault-aware retraining at 10 %, 1:5 (or RATE, RATIO), fault seed 1 with that
#                               learning rate and length; the loss of every step in OUTDIR/lr-….json, top-1 on 100 images
#   eval-lr-LR-STEPS[-RATE-RATIO]  that model's top-1 on the 500 images (OUTDIR/lr500/, beside the sweeps)
set -e
TRAIN=$1; OUT=$2; shift 2
mkdir -p "$OUT"
COMMON="--config assets/run-default.json --set quant.calibrationImages=100"
EVAL="--images 500"
for part in "$@"; do
  case $part in
    base-*)
      rest=${part#base-}; rates=${rest%-s*}; seed=${rest##*-s}
      node bin/memxbar.js sweep $COMMON $EVAL --seeds $seed --rates $rates --ratios 5:1,1:5 --mitigations none,hosseini,mt-map \
        --out "$OUT/sweep-base-$(echo $rates | tr ',' '_')-s$seed" -q ;;
    nia-*)
      rest=${part#nia-}; ratio=${rest%%-*}; rest=${rest#*-}; rates=${rest%-s*}; seed=${rest##*-s}; r=$(echo $ratio | tr ':' '_')
      node bin/memxbar.js sweep $COMMON $EVAL --model "$OUT/nia-$r.onnx" --seeds $seed --rates $rates --ratios $ratio \
        --mitigations none,mt-map --out "$OUT/sweep-nia-$r-$(echo $rates | tr ',' '_')-s$seed" -q ;;
    fa-*)
      rest=${part#fa-}; rate=${rest%%-*}; rest=${rest#*-}; ratio=${rest%-s*}; seed=${rest##*-s}; r=$(echo $ratio | tr ':' '_')
      tag=$rate-$r-s$seed
      node bin/memxbar.js train $COMMON --fault-rate $rate --ratio $ratio --fault-seed $seed --train-data $TRAIN --steps 60 \
        --batch 8 --lr 0.0001 --optimizer adam --seed 1 --images 20 --json --out "$OUT/fa-$tag.onnx" > "$OUT/train-fa-$tag.json" 2> "$OUT/train-fa-$tag.log"
      node bin/memxbar.js sweep $COMMON $EVAL --model "$OUT/fa-$tag.onnx" --fault-seed $seed --seeds 1 --rates $rate --ratios $ratio \
        --mitigations none --out "$OUT/sweep-fa-$tag" -q ;;
    lr-*)  # lr-LR-STEPS (10 %, 1:5) or lr-LR-STEPS-RATE-RATIO
      rest=${part#lr-}; lr=${rest%%-*}; rest=${rest#*-}; steps=${rest%%-*}; rate=10; ratio=1:5
      case $rest in *-*) rest=${rest#*-}; rate=${rest%%-*}; ratio=${rest#*-} ;; esac
      tag=$(echo "$part" | tr ':' '_')
      node bin/memxbar.js train $COMMON --fault-rate $rate --ratio $ratio --fault-seed 1 --train-data $TRAIN --steps $steps \
        --batch 8 --lr $lr --optimizer adam --seed 1 --images 100 --json --out "$OUT/$tag.onnx" > "$OUT/$tag.json" 2> "$OUT/$tag.log" ;;
    eval-lr-*)  # eval-lr-LR-STEPS[-RATE-RATIO]: the lr part's model on the 500 images at its point
      tag=$(echo "${part#eval-}" | tr ':' '_'); rest=${part#eval-lr-}; rest=${rest#*-}; rate=10; ratio=1:5
      case $rest in *-*) rest=${rest#*-}; rate=${rest%%-*}; ratio=${rest#*-} ;; esac
      node bin/memxbar.js sweep $COMMON $EVAL --model "$OUT/$tag.onnx" --fault-seed 1 --seeds 1 --rates $rate --ratios $ratio \
        --mitigations none --out "$OUT/lr500/$tag" -q ;;
    *) echo "unknown part $part" >&2; exit 2 ;;
  esac
done
