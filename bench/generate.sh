#!/usr/bin/env bash
# Generation benchmarks (issue 5), on the machine's cores (the project's reference is 2):
#   render   speed as a multiple of real time, 256x256 at 25 fps (mel encoder, decoder, x264, AAC)
#   live     sustained display fps over 60 s and dropped/repeated frames (file fed in real time
#            through the capture thread and ring, as a microphone would be)
#   latency  onset entering the input -> first displayed frame that reacts, p50/p95
#   loopback the same through a real sound server: onsets written in real time into a PulseAudio
#            pipe source (a microphone stand-in) captured as the default input; then, as before,
#            played with Java Sound into the null sink and captured from its monitor (needs
#            `. .ci/live-env.sh`)
#   demo     `mvgen demo` wall time (a fresh demo folder)
#
#   bench/generate.sh [render|live|latency|demo|all] [--model BUNDLE]
#   bench/generate.sh latency --rave     # RAVE's figure: a v2-sized streaming export (random
#                                        # weights, same cost and delay) and an untrained decoder
#   bench/generate.sh latency --mvrave F.mvrave  # the same with a trained causal model
#   bench/generate.sh latency --rave-live  # mvgen's own RAVE, `live` config (causal, hop 512) as a
#                                        # .mvrave (random weights) and an untrained decoder
#
# Without --model, render and live use an untrained decoder of the demo architecture at
# video.size (speed does not depend on weights); latency needs frames that react to sound, so it
# uses demo/run/model.mvgen when present (run `mvgen demo` first) and says which model it used.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
what="${1:-all}"
shift || true
cd "$here"
./mvgen --version >/dev/null # builds the application if needed
mvn -o -q -B test-compile -Dspotless.check.skip=true >/dev/null
export OMP_WAIT_POLICY=PASSIVE
export GLIBC_TUNABLES="$(cat src/main/resources/org/mvgen/torch/glibc-tunables)"   # as the mvgen launcher (org.mvgen.torch.Allocator)
cp="target/classes:target/test-classes:target/lib/*"
bench() { java -Xmx3g -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$cp" \
  org.mvgen.generate.bench.GenerateBench "$@"; }
echo "# $(date -u +%FT%TZ) $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
case "$what" in
  render | live) bench "$what" "$@" ;;
  loopback)
    # A microphone stand-in: a PulseAudio pipe source fed in real time by the benchmark becomes the
    # default input (needs the sound server of .ci/live-env.sh: `. .ci/live-env.sh` first).
    if [ $# -eq 0 ] && [ -f demo/run/model.mvgen ]; then set -- --model demo/run/model.mvgen; fi
    fifo=/tmp/mvgen-bench-mic.fifo
    rm -f "$fifo"
    mod=$(pactl load-module module-pipe-source source_name=mvgen_mic file="$fifo" format=s16le rate=44100 channels=1)
    old_source=$(pactl get-default-source)
    pactl set-default-source mvgen_mic
    trap 'pactl set-default-source "$old_source"; pactl unload-module "$mod"' EXIT
    bench loopback --fifo "$fifo" "$@"
    pactl set-default-source "$old_source"
    pactl unload-module "$mod"
    trap - EXIT
    # The older figure, through the null sink's monitor (playback buffering counted as well).
    bench loopback "$@"
    ;;
  latency)
    if [ $# -eq 0 ] && [ -f demo/run/model.mvgen ]; then set -- --model demo/run/model.mvgen; fi
    bench latency "$@"
    ;;
  demo)
    rm -rf /tmp/mvgen-bench-demo
    start=$(date +%s)
    ./mvgen demo -o /tmp/mvgen-bench-demo 2>/dev/null | tail -12
    echo "demo: $(( $(date +%s) - start )) s wall"
    ;;
  all)
    bench render "$@"
    bench live "$@"
    if [ $# -eq 0 ] && [ -f demo/run/model.mvgen ]; then bench latency --model demo/run/model.mvgen; else bench latency "$@"; fi
    bench latency --rave
    ;;
  *) echo "usage: bench/generate.sh [render|live|latency|loopback|demo|all] [--model BUNDLE]" >&2; exit 2 ;;
esac
