#!/usr/bin/env bash
# Encoder benchmark: speed as a multiple of real time at 44.1 kHz for a v2-sized RAVE encoder
# (random weights, built as a fixture: 16 PQMF bands, capacity 96, strides 4 4 4 2) and for mel,
# and the latency of one 2048-sample streaming block. Same-run reference: the export's own encode
# in one call over the whole signal. Prints Markdown table rows for BENCHMARKS.md.
#
#   bench/encoders.sh [SECONDS=60] [THREADS=2]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"
./mvgen --version >/dev/null   # builds the application if needed
# The benchmark and its RAVE-shaped fixture are test sources (production does not ship them).
mvn -o -q -B test-compile -Dspotless.check.skip=true >/dev/null
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
export GLIBC_TUNABLES="$(cat src/main/resources/org/mvgen/torch/glibc-tunables)"   # as the mvgen launcher (org.mvgen.torch.Allocator)
echo "# $(date -u +%F) $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
exec java -XX:+UseParallelGC -Xmx2g -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -cp "target/classes:target/test-classes:target/lib/*" org.mvgen.rave.EncoderBench "${1:-60}" "${2:-2}"
