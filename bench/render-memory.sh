#!/usr/bin/env bash
# Peak memory of `mvgen render` against the song's length (issue 12, point 4): render streams the
# song, so a 2-hour song must take about what a 1-minute one takes (before, the whole song was
# decoded into memory first: 25 minutes took 1.28 GB and 30 minutes ran out of the 1 GB heap).
#
#   bench/render-memory.sh [SHORT_SECONDS] [LONG_SECONDS]     # defaults: 60 and 7200
#
# Runs the real launcher (./mvgen, -Xmx1g) on generated songs (WAV, 44.1 kHz) with an untrained
# mel model at 64 px and 5 fps: memory does not depend on the weights, and few small frames keep a
# 2-hour render to minutes. Peak RSS is /usr/bin/time's "Maximum resident set size".
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
short="${1:-60}"
long="${2:-7200}"
cd "$here"
./mvgen --version >/dev/null # builds the application if needed
mvn -o -q -B test-compile -Dspotless.check.skip=true >/dev/null
mvn -o -q -B dependency:build-classpath -Dmdep.outputFile=target/bench.cp >/dev/null
export OMP_WAIT_POLICY=PASSIVE
export GLIBC_TUNABLES="$(cat src/main/resources/org/mvgen/torch/glibc-tunables)"   # as the mvgen launcher (org.mvgen.torch.Allocator)
work="${TMPDIR:-/tmp}/mvgen-bench-memory"
mkdir -p "$work"
cp="target/classes:target/test-classes:$(cat target/bench.cp)"
helper() { java -Xmx256m -cp "$cp" org.mvgen.generate.bench.RenderMemoryBench "$@"; }
rm -f "$work/untrained-64.mvgen"
helper model "$work/untrained-64.mvgen" 64 5
echo "# $(date -u +%FT%TZ) $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p')"
# Each length twice: with the launcher's heap bound (1 GiB: the JVM may let short-lived garbage
# fill it, so RSS rises with run time even when nothing is kept), and with a 200 MiB bound, which a
# render that kept anything per second of song could not finish in 2 hours (the samples alone
# are 1.27 GB).
for heap in "" "-Xmx200m"; do
  for s in "$short" "$long"; do
    song="$work/song-$s.wav"
    helper song "$song" "$s"
    log="$work/time-$s.txt"
    MVGEN_JAVA_OPTS="$heap" /usr/bin/time -v ./mvgen render "$song" --model "$work/untrained-64.mvgen" \
      -o "$work/video-$s.mp4" --size 64 --fps 5 >"$work/render-$s.txt" 2>"$log" || true
    rss=$(sed -n 's/.*Maximum resident set size (kbytes): *//p' "$log")
    wall=$(sed -n "s/.*Elapsed (wall clock) time (h:mm:ss or m:ss): *//p" "$log")
    printf 'render %6d s of song, heap %-9s: peak RSS %6.0f MB, wall %s  (%s)\n' "$s" \
      "${heap:-1g}" "$((rss / 1024))" "$wall" "$(tail -1 "$work/render-$s.txt")"
  done
done
