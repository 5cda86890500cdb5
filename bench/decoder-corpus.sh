#!/usr/bin/env bash
# Known-answer corpus for the decoder: real music (Debian's GPL wesnoth-1.16-music, about two
# hours) with visuals computed from that music by FFmpeg's audio visualisation filters, so the
# picture IS a function of the sound and a good decoder must beat the baselines clearly.
#
# Each track becomes one video: the top half is showcqt's constant-Q bars, the bottom half
# showfreqs' log-log spectrum bars, both of the current audio only (no scrolling history, which no
# causal audio window could predict). showfreqs' hop is set to one video frame (1764 samples at
# 44.1 kHz / 25 fps). Then: ingest with a split by video (whole tracks held out for validation),
# encode with the mel encoder, train, eval; the eval table is what BENCHMARKS.md records.
#
#   bench/decoder-corpus.sh [WORKDIR] [SECONDS_PER_TRACK] [TRACKS] [SIZE] [STEPS]
#
# Defaults: ~/mvgen-corpus, whole tracks, all tracks, 256 px, train.steps from the config.
# A quick run on 2 cores: bench/decoder-corpus.sh /tmp/corpus 60 12 64 3000
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
work="${1:-$HOME/mvgen-corpus}"
secs="${2:-0}"
tracks="${3:-0}"
size="${4:-256}"
steps="${5:-}"
music=/usr/share/games/wesnoth/1.16/data/core/music
if [ ! -d "$music" ]; then
  echo "needs the music: apt-get install wesnoth-1.16-music (as root)" >&2
  exit 1
fi
mvgen="$here/mvgen"
"$mvgen" --version >/dev/null   # builds if needed
ffmpeg="$("$mvgen" ffmpeg-path 2>/dev/null)"
mkdir -p "$work/videos"

n=0
for ogg in "$music"/*.ogg; do
  name="$(basename "$ogg" .ogg)"
  case "$name" in silence) continue ;; esac   # a silent track has no answer to learn
  n=$((n + 1))
  if [ "$tracks" -gt 0 ] && [ "$n" -gt "$tracks" ]; then break; fi
  out="$work/videos/$name.mp4"
  [ -f "$out" ] && continue
  limit=()
  if [ "$secs" -gt 0 ]; then limit=(-t "$secs"); fi
  "$ffmpeg" -hide_banner -loglevel error -nostdin -y "${limit[@]}" -i "$ogg" -filter_complex \
    "[0:a]aresample=44100,aformat=channel_layouts=mono,asplit[a1][a2];\
[a1]showcqt=s=256x128:fps=25:sono_h=0:axis_h=0[c];\
[a2]showfreqs=s=256x128:mode=bar:ascale=log:fscale=log:win_size=2048:overlap=0.138671875[f];\
[c][f]vstack,format=yuv420p[v]" \
    -map "[v]" -map 0:a -c:v libx264 -preset veryfast -crf 16 -c:a aac -b:a 192k "$out.tmp.mp4"
  mv "$out.tmp.mp4" "$out"
  echo "rendered $name" >&2
done

set_opts=(--set "video.size=$size")
if [ -n "$steps" ]; then set_opts+=(--set "train.steps=$steps"); fi
if [ "$size" -le 64 ]; then
  # A smaller network for small frames: the first map stays 4x4.
  set_opts+=(--set model.width=256 --set model.depth=4 --set train.warmup_steps=200)
fi
"$mvgen" ingest "$work/videos" --out "$work/data" --split videos --val-fraction 0.2 "${set_opts[@]}"
"$mvgen" encode "$work/data" --encoder mel "${set_opts[@]}"
resume=()
if [ -f "$work/run/checkpoint.ckpt" ]; then resume=(--resume); fi
"$mvgen" train "$work/data" --encoder mel --out "$work/run" "${resume[@]}" "${set_opts[@]}"
"$mvgen" eval "$work/run" "${set_opts[@]}" | tee "$work/eval.txt"
echo "figures: $work/eval.txt, $work/run/eval.json, $work/run/eval.png, $work/run/loss.png" >&2
