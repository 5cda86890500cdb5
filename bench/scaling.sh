#!/usr/bin/env bash
# Data-parallel scaling on one machine: decoder training samples/s of `mvgen train` as 1 process
# x 2 threads against 2 processes x 1 thread (`--processes 2 --set train.threads=1`, Gloo over
# loopback), same global batch, same steps, same synthetic dataset (the decoder tests' Synthetic
# dataset, PNG frames), in the same run. The distributed run also prints, per rank, the time spent
# averaging gradients beside the whole step ("allreduce X ms/step of Y ms/step", MVGEN_DIST_TIMING=1:
# ProcessGroupCollective.gradientAveraging, printed by the Trainer). Prints key=value lines.
#
#   bench/scaling.sh [STEPS=200] [SIZE=64] [WIDTH=256] [BATCH=32] [PRECISION=auto]
#
# samples/s is the Trainer's own figure (all steps, the first slower ones included, the same in
# both runs); the allreduce line is the time inside averageGradients (copies + allreduce + waiting
# for the slower rank) per step, beside the whole step.
# SIZE 64 needs depth 4, 128 depth 5, 256 depth 6 (the default model).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
steps="${1:-200}"
size="${2:-64}"
width="${3:-256}"
batch="${4:-32}"
precision="${5:-auto}"
case "$size" in 64) depth=4 ;; 128) depth=5 ;; 256) depth=6 ;; *) echo "SIZE must be 64, 128 or 256" >&2; exit 1 ;; esac
"$here/mvgen" --version >/dev/null   # builds if needed
(cd "$here" && mvn -o -q -B test-compile -Dspotless.check.skip=true >/dev/null)
export OMP_WAIT_POLICY=PASSIVE MVGEN_DIST_TIMING=1
export GLIBC_TUNABLES="$(cat "$here/src/main/resources/org/mvgen/torch/glibc-tunables")"   # as the mvgen launcher (org.mvgen.torch.Allocator)
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "## $(date -u '+%F %H:%M') UTC, train.precision=$precision, $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
java -Xmx2g -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -cp "$here/target/classes:$here/target/test-classes:$here/target/lib/*" \
  org.mvgen.decoder.bench.SyntheticDataset "$work/data" 6 200 "$size"
common=(--encoder synthetic-4 --steps "$steps" --batch-size "$batch" --device cpu
  --set "model.width=$width" --set "model.depth=$depth" --set train.loader_threads=1
  --set train.validate_every=0 --set train.preview_every=0 --set "train.checkpoint_every=$((steps * 10))"
  --set train.validation_pairs=32 --set train.schedule=constant --set train.warmup_steps=0
  --set "train.precision=$precision")
run() {   # label, extra args...
  local label="$1"; shift
  local t0 t1 out
  t0=$(date +%s.%N)
  out=$(taskset -c 0-1 "$here/mvgen" train "$work/data" -o "$work/$label" "${common[@]}" "$@" 2>&1) || {
    echo "$out" >&2; echo "$label failed" >&2; exit 1; }
  t1=$(date +%s.%N)
  echo "### $label"
  tr '\r' '\n' <<<"$out" | grep -oE 'rank [0-9]+: allreduce.*|(Done|Stopped) at step.*samples/s\.' | sed 's/^/  /'
  printf '%s_samples_per_s=%s (trainer, %s steps of %s)\n' "$label" \
    "$(tr '\r' '\n' <<<"$out" | grep -oE '(Done|Stopped) at step.*samples/s\.' | sed -n 's/.* \([0-9.]*\) samples\/s\.$/\1/p' | tail -1)" "$steps" "$batch"
  printf '%s_wall_s=%.1f (whole command: start-up, data, training, model)\n' "$label" "$(echo "$t1 - $t0" | bc)"
}
run p1x2 --set train.threads=2
run p2x1 --processes 2 --set train.threads=1
