#!/usr/bin/env bash
# Decoder benchmarks on N cores (default 2): mvgen's training samples/s, single-frame inference
# latency and data-loader pairs/s, then the same network in PyTorch (Debian's python3-torch with
# libopenblas0-pthread) with the same thread count, in the same run. Training is then measured
# again with float32 and with bfloat16 forced (train_float32_samples_per_s=,
# train_bfloat16_samples_per_s=), to decide `train.precision = auto` per CPU class.
#
#   bench/decoder-bench.sh [THREADS] [LATENT SIZE WIDTH DEPTH]   (default 2 128 256 512 6)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
threads="${1:-2}"
shift || true
net=("${@:-128 256 512 6}")
"$here/mvgen" --version >/dev/null   # builds if needed
(cd "$here" && mvn -o -q -B test-compile -Dspotless.check.skip=true >/dev/null)
export OMP_WAIT_POLICY=PASSIVE OMP_NUM_THREADS="$threads"
# mvgen's processes start with these glibc allocator settings (the launcher sets them,
# org.mvgen.torch.Allocator); PyTorch runs as installed.
export GLIBC_TUNABLES="$(cat "$here/src/main/resources/org/mvgen/torch/glibc-tunables")"
echo "## $(date -u +%F) $(lscpu | sed -n 's/^Model name: *//p'), $threads threads, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "cpu_bf16_flags=$(grep -o -w -E 'avx512_bf16|amx_bf16|amx_tile' /proc/cpuinfo | sort -u | xargs)"
echo "### mvgen (libtorch 2.10 via org.bytedeco:pytorch)"
taskset -c "0-$((threads - 1))" java -Xmx4g -cp "$here/target/classes:$here/target/test-classes:$here/target/lib/*" \
  org.mvgen.decoder.bench.DecoderBenchmark "$threads" ${net[*]}
for precision in float32 bfloat16; do
  echo "### mvgen training, train.precision = $precision"
  taskset -c "0-$((threads - 1))" java -Xmx4g -Dbench.only=train -Dbench.train_precision="$precision" \
    -cp "$here/target/classes:$here/target/test-classes:$here/target/lib/*" \
    org.mvgen.decoder.bench.DecoderBenchmark "$threads" ${net[*]} \
    | sed -n "s/^train_samples_per_s=/train_${precision}_samples_per_s=/p"
done
echo "### PyTorch $(/usr/bin/python3 -c 'import torch; print(torch.__version__)' 2>/dev/null || echo missing)"
if /usr/bin/python3 -c 'import torch' 2>/dev/null; then
  GLIBC_TUNABLES= taskset -c "0-$((threads - 1))" /usr/bin/python3 "$here/bench/decoder_pytorch.py" "$threads" ${net[*]}
else
  echo "python3-torch is not installed: apt-get install python3-torch libopenblas0-pthread"
fi
