#!/bin/sh
# The non-linearity study's grid in chunks of the shipped test images (assets/cifar10/test_500.bin):
# chunk 0 = images 1..60, 1 = 61..100, 2 = 101..160, 3 = 161..220 (an image's result does not depend on the other
# images of its run: the ADC range and MT's row activity come from the calibration images, the
# faults and previous levels from their seeds, so chunks add up to the run of all their images).
# One sweep per (chunk, cell width, LTP/LTD pair), P at a time (default 4), each single-threaded, niced;
# outputs in runs/nl/c<k>/cb<bits>-ltp<LTP>-ltd<LTD>/, CPU time per sweep in its time.txt.
# Usage (from the project root): P=4 sh docs/results/nonlinearity-mlc/run.sh "0 1 2 3"
# A job whose folder exists is skipped (delete an unfinished sweep's folder to rerun it).
set -e
CHUNKS=${1:-0 1 2 3}
mkdir -p runs/nl-data
for k in $CHUNKS; do
  set -- 0 60 100 160 220
  shift $k
  [ -f runs/nl-data/c$k.bin ] || dd if=assets/cifar10/test_500.bin of=runs/nl-data/c$k.bin bs=3073 skip=$1 count=$(($2 - $1)) status=none
done
for k in $CHUNKS; do
  for cb in 2 4; do
    for pair in "0 0" "1.75 -1.46" "4 -4"; do
      set -- $pair
      echo "$k $cb $1 $2"
    done
  done
done | xargs -P ${P:-4} -L 1 sh -c '
  k=$0 cb=$1 ltp=$2 ltd=$3
  out=runs/nl/c$k/cb$cb-ltp$ltp-ltd$ltd
  mkdir -p runs/nl/c$k
  mkdir $out 2>/dev/null || exit 0   # claimed by another runner, or done
  echo "$(date -u +%T) start $out"
  /usr/bin/time -f "user %U sys %S wall %e" -o $out/time.txt nice -n 5 node bin/memxbar.js sweep \
    --config assets/run-default.json --set experiment.threads=1 \
    --set tile.cellBits=$cb --set tile.adcBits=$((cb + 5)) --set device.programming.scheme=incremental \
    --set device.nonlinearityLtp=$ltp --set device.nonlinearityLtd=$ltd \
    --rates 0,2.5,10,50 --ratios 5:1,1:5 --seeds 1 --images $(($(wc -c < runs/nl-data/c$k.bin) / 3073)) --data runs/nl-data/c$k.bin \
    --mitigations none,mt-map --out $out > $out/log.txt 2>&1
  echo "$(date -u +%T) done $out $(cat $out/time.txt)"
'
