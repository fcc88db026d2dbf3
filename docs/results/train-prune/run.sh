#!/bin/sh
# Accuracy against ADMM pruning ratio, with the subarrays (tiles), area and energy per image the
# pruning frees. For each ratio: `memxbar train --mode admm` (45 steps of 8 images: 30 ADMM
# steps, Z/U updates every 5, then hard pruning and 15 masked fine-tuning steps; no faults), the
# crossbar's top-1 on the 500 shipped test images (`memxbar eval --crossbar`), and `memxbar cost`
# of the pruned model (the mapping skips all-zero row groups). Ratio 0 is the shipped model.
# Run from the project root (the ratios are independent; they ran side by side):
#   sh docs/results/train-prune/run.sh /path/to/data_batch_1.bin OUTDIR ["RATIOS"]   (one argument, items separated by spaces)
# A RATIOS item is a ratio for every layer (0.25) or LABEL:SPEC with SPEC a --prune-ratio of per-layer
# ratios, e.g. fc1-0.75:/22/Gemm=0.75 (files are named by LABEL); "control" trains the same 45 steps
# without pruning and evaluates it (control-eval.json).
#   npx tsx docs/results/train-prune/plot.ts OUTDIR
set -e
TRAIN=$1; OUT=$2; RATIOS=${3:-"0 0.25 0.5 0.75"}
mkdir -p "$OUT"
COMMON="--config assets/run-default.json --set quant.calibrationImages=100"
for item in $RATIOS; do
  p=${item%%:*}; spec=${item#*:}
  if [ "$p" = control ]; then
    # The same training without pruning (quantized forward, no faults): what 45 steps alone do to top-1.
    MODEL="$OUT/control.onnx"
    node bin/memxbar.js train $COMMON --mode fault-aware --fault-rate 0 --train-data "$TRAIN" --steps 45 --batch 8 \
      --lr 0.0003 --optimizer adam --seed 1 --images 20 --json --out "$MODEL" > "$OUT/train-control.json" 2> "$OUT/train-control.log"
    node bin/memxbar.js eval --crossbar --no-float $COMMON --model "$MODEL" --images 500 --json -q > "$OUT/control-eval.json"
    continue
  elif [ "$p" = 0 ]; then
    MODEL=vgg8-w0.5-cifar10
  else
    MODEL="$OUT/pruned-$p.onnx"
    node bin/memxbar.js train $COMMON --mode admm --prune-ratio $spec --rho 1 --admm-steps 30 --admm-every 5 \
      --train-data "$TRAIN" --steps 45 --batch 8 --lr 0.0003 --optimizer adam --seed 1 --images 20 --json \
      --out "$MODEL" > "$OUT/train-$p.json" 2> "$OUT/train-$p.log"
  fi
  node bin/memxbar.js eval --crossbar --no-float $COMMON --model "$MODEL" --images 500 --json -q > "$OUT/eval-$p.json"
  node bin/memxbar.js cost $COMMON --model "$MODEL" --rates none --images 4 --out "$OUT/cost-$p" -q
done
