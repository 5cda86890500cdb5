#!/usr/bin/env bash
# RAVE training speed: steps/s of mvgen's RaveTask (phase 1: PQMF, encoder, posterior sample,
# decoder, spectral losses, KL, backward, Adam; phase 2: frozen encoder, discriminator and decoder
# steps in the config's ratio) for the `small` and `v2` configs, against the same architecture in
# PyTorch (bench/rave_pytorch.py on src/test/python/rave_reference.py, Debian's python3-torch),
# from the same initial weights on the same audio, same batch and example size, same threads,
# pinned to the same cores, in the same run. Prints key=value lines.
#
#   bench/rave-train.sh [THREADS=2] [STEPS=10] [EXAMPLE=0] [BATCH=0] [PHASE2_STEPS=0] [CONFIGS="small v2"]
#
# EXAMPLE / BATCH 0 keep each config's (small: 65 536 samples x 4, v2: 131 072 x 8); a smaller
# example (a multiple of the hop, 2048 for both) or batch makes v2 fit in minutes on 2 cores.
# PHASE2_STEPS > 0 also times phase 2 (use a multiple of discEvery = 4). RAVE_BENCH_WARM=1 runs
# one phase-1 warm-up step instead of two (v2 at full size takes minutes a step in PyTorch).
# mvgen runs with the glibc allocator settings its launcher sets (org.mvgen.torch.Allocator);
# PyTorch runs as installed and, as a second reference, with the same settings
# (RAVE_BENCH_PYTORCH_TUNED=0 skips that one).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
threads="${1:-2}"
steps="${2:-10}"
example="${3:-0}"
batch="${4:-0}"
phase2="${5:-0}"
configs="${6:-small v2}"
"$here/mvgen" --version >/dev/null   # builds if needed
(cd "$here" && mvn -o -q -B test-compile -Dspotless.check.skip=true >/dev/null)
export OMP_WAIT_POLICY=PASSIVE OMP_NUM_THREADS="$threads"
tunables="$(cat "$here/src/main/resources/org/mvgen/torch/glibc-tunables")"
cpus="0-$((threads - 1))"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "## $(date -u '+%F %H:%M') UTC, $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores, $threads threads, load $(cut -d' ' -f1-3 /proc/loadavg)"
have_torch=0
/usr/bin/python3 -c 'import torch' 2>/dev/null && have_torch=1
for config in $configs; do
  echo "### $config: mvgen (libtorch 2.10 via org.bytedeco:pytorch)"
  GLIBC_TUNABLES="$tunables" taskset -c "$cpus" java -Xmx6g -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
    -cp "$here/target/classes:$here/target/test-classes:$here/target/lib/*" \
    org.mvgen.rave.model.bench.RaveTrainBenchmark "$config" "$threads" "$steps" "$example" "$batch" \
    "$phase2" "$work/$config"
  if [ "$have_torch" = 1 ]; then
    echo "### $config: PyTorch $(/usr/bin/python3 -c 'import torch; print(torch.__version__)')"
    taskset -c "$cpus" /usr/bin/python3 "$here/bench/rave_pytorch.py" "$work/$config" "$threads" \
      "$steps" "$phase2"
    if [ "${RAVE_BENCH_PYTORCH_TUNED:-1}" = 1 ]; then
      echo "### $config: PyTorch, with mvgen's allocator settings (GLIBC_TUNABLES=$tunables)"
      GLIBC_TUNABLES="$tunables" taskset -c "$cpus" /usr/bin/python3 "$here/bench/rave_pytorch.py" \
        "$work/$config" "$threads" "$steps" "$phase2"
    fi
  else
    echo "python3-torch is not installed: apt-get install python3-torch"
  fi
  rm -rf "${work:?}/$config"
done
