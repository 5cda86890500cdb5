#!/usr/bin/env bash
# Encoder speed of mvgen's own RAVE (org.mvgen.rave.model, random weights, folded): offline mean
# (RaveAutoencoder.encodeMean) of the `small`, `v2` and `live` configs as a multiple of real time
# on 1 and 2 threads, and `live`'s streaming cost per hop (StreamingEncoder.push) p50 / p95 / max.
# Same-run reference: the same encoders (same weights) in PyTorch (bench/rave_encode_pytorch.py on
# src/test/python/rave_reference.py, Debian's python3-torch), one call on the whole signal.
# Prints key=value lines.
#
#   bench/rave-encode.sh [SECONDS=10] [THREADS=1,2] [CONFIGS=small,v2,live]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
seconds="${1:-10}"
threads="${2:-1,2}"
configs="${3:-small,v2,live}"
"$here/mvgen" --version >/dev/null   # builds if needed
(cd "$here" && mvn -o -q -B test-compile -Dspotless.check.skip=true >/dev/null)
export OMP_WAIT_POLICY=PASSIVE
# mvgen's processes start with these glibc allocator settings (the launcher sets them,
# org.mvgen.torch.Allocator); PyTorch runs as installed.
export GLIBC_TUNABLES="$(cat "$here/src/main/resources/org/mvgen/torch/glibc-tunables")"
maxt=$(tr ',' '\n' <<<"$threads" | sort -n | tail -1)
cpus="0-$((maxt - 1))"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "## $(date -u '+%F %H:%M') UTC, $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "### mvgen (libtorch 2.10 via org.bytedeco:pytorch), ${seconds} s of audio"
taskset -c "$cpus" java -Xmx4g -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -cp "$here/target/classes:$here/target/test-classes:$here/target/lib/*" \
  org.mvgen.rave.model.bench.RaveEncodeBenchmark "$seconds" "$threads" "$configs" "$work"
if /usr/bin/python3 -c 'import torch' 2>/dev/null; then
  echo "### PyTorch $(/usr/bin/python3 -c 'import torch; print(torch.__version__)'), same weights, one call"
  GLIBC_TUNABLES= taskset -c "$cpus" /usr/bin/python3 "$here/bench/rave_encode_pytorch.py" "$work" "$seconds" "$threads" "$configs"
else
  echo "python3-torch is not installed: apt-get install python3-torch"
fi
