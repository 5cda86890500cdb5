#!/usr/bin/env bash
# Ingest benchmark: speed as a multiple of real time for a generated 10-minute 1280x720 30 fps
# H.264/AAC video, peak RSS for 1 versus 10 minutes, and the bundled ffmpeg program doing the
# same work (decode, 25 fps, scale + centre crop to 256, JPEG, 44.1 kHz mono float WAV) as the
# same-run reference. Prints a Markdown table row for BENCHMARKS.md.
#
#   bench/ingest.sh [WORKDIR]     (default: a temporary folder; needs ~1 GB)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
work="${1:-$(mktemp -d)}"
mkdir -p "$work"
"$here/mvgen" --version >/dev/null   # builds if needed
command -v /usr/bin/time >/dev/null || { echo "needs GNU time: apt-get install time" >&2; exit 1; }
cp="$here/target/mvgen.jar:$here/target/lib/*"
ffmpeg="$(java -cp "$cp" -Dorg.slf4j.simpleLogger.defaultLogLevel=warn org.mvgen.cli.Main ffmpeg-path 2>/dev/null || true)"
if [ -z "$ffmpeg" ] || [ ! -x "$ffmpeg" ]; then
  echo "cannot find the bundled ffmpeg program" >&2; exit 1
fi

make_video() { # minutes file
  [ -f "$2" ] && return
  "$ffmpeg" -hide_banner -loglevel error -nostdin -y \
    -f lavfi -i "testsrc2=size=1280x720:rate=30:duration=$(( $1 * 60 ))" \
    -f lavfi -i "sine=frequency=220:beep_factor=6:sample_rate=48000:duration=$(( $1 * 60 ))" \
    -c:v libx264 -preset ultrafast -crf 23 -g 60 -pix_fmt yuv420p -c:a aac -b:a 160k \
    -movflags +faststart "$2.tmp.mp4"
  mv "$2.tmp.mp4" "$2"
}
echo "generating test videos in $work ..." >&2
make_video 1 "$work/v1min.mp4"
make_video 10 "$work/v10min.mp4"

run_ingest() { # video out -> "seconds peak_kib"
  rm -rf "$2"
  /usr/bin/time -f "%e %M" -o "$work/time.txt" \
    "$here/mvgen" ingest "$1" --out "$2" >/dev/null 2>"$work/ingest.log"
  cat "$work/time.txt"
}
read -r t1 rss1 < <(run_ingest "$work/v1min.mp4" "$work/ds1")
read -r t10 rss10 < <(run_ingest "$work/v10min.mp4" "$work/ds10")

rm -rf "$work/ref" && mkdir -p "$work/ref"
/usr/bin/time -f "%e %M" -o "$work/time.txt" "$ffmpeg" -hide_banner -loglevel error -nostdin -y \
  -i "$work/v10min.mp4" \
  -map 0:v -vf "fps=25,scale=-2:256:flags=area,crop=256:256" -q:v 3 "$work/ref/%08d.jpg" \
  -map 0:a -ac 1 -ar 44100 -c:a pcm_f32le "$work/ref/audio.wav"
read -r tref rssref < "$work/time.txt"

cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
awk -v t1="$t1" -v t10="$t10" -v tref="$tref" -v r1="$rss1" -v r10="$rss10" -v rr="$rssref" \
    -v cpu="$cpu" -v n="$(nproc)" -v d="$(date -u +%Y-%m-%d)" 'BEGIN {
  printf "| %s | %s, %d cores | %.1fx real time (%.0f s for 600 s) | ffmpeg CLI %.1fx (%.0f s) | %.2f | %.0f MiB (1 min) / %.0f MiB (10 min) | ffmpeg %.0f MiB |\n",
    d, cpu, n, 600 / t10, t10, 600 / tref, tref, tref / t10, r1 / 1024, r10 / 1024, rr / 1024 }'
