#!/usr/bin/env bash
# What a user gets for a fixed CPU budget (issue 9): mvgen's `small` RAVE trained for 1 and then 2
# hours on music it never evaluates on, its reconstruction spectral distance on held-out music,
# and a decoder trained on its latents against the same decoder on `mel` latents, on the
# known-answer corpus of bench/decoder-corpus.sh (FFmpeg visualisations of the music, so the
# picture is a function of the sound).
#
#   bench/rave-budget.sh [WORK=~/mvgen-budget] [HOURS="1 2"] [THREADS=1] [CORES=1] [STEPS=2500]
#
# Music (Debian's GPL wesnoth-1.16-music, 40 tracks without "silence"): the first 14 tracks (their
# first 45 s) are the corpus, as in BENCHMARKS.md's corpus figure; RAVE trains on the other 26
# (~1.4 h), so neither the corpus nor its held-out tracks are ever heard in RAVE training. The
# budgets are cumulative (the second hour resumes the first run) on THREADS libtorch threads
# pinned to CORES (a list for taskset), i.e. what one laptop core buys in that wall time.
# Decoders: 64 px, width 256, depth 4, STEPS steps, as the corpus figure; eval on held-out tracks.
# Every step is skipped when its output exists, so the script continues an interrupted study.
# RAVE_SETS="--set rave.train.augment_phase=0 ..." adds settings to every `rave train` (the
# 2026-11-28 study ran without augmentation, which landed half way through it).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
work="${1:-$HOME/mvgen-budget}"
hours="${2:-1 2}"
threads="${3:-1}"
cores="${4:-1}"
steps="${5:-2500}"
music=/usr/share/games/wesnoth/1.16/data/core/music
if [ ! -d "$music" ]; then
  echo "needs the music: apt-get install wesnoth-1.16-music (as root)" >&2
  exit 1
fi
mvgen="$here/mvgen"
"$mvgen" --version >/dev/null # builds if needed
export OMP_WAIT_POLICY=PASSIVE
mkdir -p "$work/train-audio"
echo "## $(date -u '+%F %H:%M') UTC, $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores," \
  "RAVE on $threads thread(s) pinned to cores $cores"

# 1. RAVE's music: every track after the corpus's 14.
n=0
for ogg in "$music"/*.ogg; do
  name="$(basename "$ogg" .ogg)"
  case "$name" in silence) continue ;; esac
  n=$((n + 1))
  if [ "$n" -gt 14 ]; then ln -sf "$ogg" "$work/train-audio/"; fi
done
if [ ! -f "$work/ravedata/manifest.json" ]; then
  "$mvgen" rave preprocess "$work/train-audio" --out "$work/ravedata" --example-length 65536
fi

# 2. The corpus (rendered, ingested, mel-encoded and a mel decoder trained and evaluated).
"$here/bench/decoder-corpus.sh" "$work/corpus" 45 14 64 "$steps" >"$work/corpus.log" 2>&1 ||
  { tail -20 "$work/corpus.log"; exit 1; }
echo "### mel decoder"
cat "$work/corpus/eval.txt"
set_opts=(--set video.size=64 --set train.steps="$steps" --set model.width=256 --set model.depth=4
  --set train.warmup_steps=200)

# Held-out music for the reconstruction figure: the corpus's validation tracks (never in RAVE's
# data), read back from the corpus dataset's stored audio.
heldout=()
while IFS= read -r f; do heldout+=("$f"); done < <(
  python3 - "$work/corpus/data" <<'EOF'
import json, sys, os
d = sys.argv[1]
for s in json.load(open(os.path.join(d, "manifest.json")))["sources"]:
    if s.get("validation"):  # split by video: whole held-out tracks
        print(os.path.join(d, "audio", s["id"] + ".wav"))
EOF
)

for h in $hours; do
  model="$work/small-${h}h.mvrave"
  if [ ! -f "$model" ]; then
    prev="${last:-0}"
    add=$((h - prev))
    resume=()
    if [ -f "$work/run-small/checkpoint.ckpt" ]; then resume=(--resume); fi
    OMP_NUM_THREADS="$threads" taskset -c "$cores" "$mvgen" rave train "$work/ravedata" \
      --model-config small --out "$work/run-small" --time "${add}h" "${resume[@]}" \
      --set rave.train.threads="$threads" ${RAVE_SETS:-} >"$work/train-${h}h.log" 2>&1
    tail -c 600 "$work/train-${h}h.log" | tr '\r' '\n' | tail -4
    "$mvgen" rave export "$work/run-small" -o "$model"
  fi
  last="$h"
  echo "### small after ${h} h"
  for f in "${heldout[@]}"; do
    "$mvgen" rave reconstruct "$f" -o "$work/rec-${h}h-$(basename "$f" .wav).wav" --model "$model" |
      sed -n 's/.*Spectral distance to the input: \([0-9.]*\).*/held-out reconstruction distance \1/p'
  done
  "$mvgen" encode "$work/corpus/data" --encoder "rave:$model" "${set_opts[@]}"
  resume=()
  if [ -f "$work/dec-${h}h/checkpoint.ckpt" ]; then resume=(--resume); fi
  if [ ! -f "$work/dec-${h}h/eval.txt" ]; then
    "$mvgen" train "$work/corpus/data" --encoder "rave:$model" --out "$work/dec-${h}h" \
      "${resume[@]}" "${set_opts[@]}" >"$work/dec-${h}h.log" 2>&1
    "$mvgen" eval "$work/dec-${h}h" "${set_opts[@]}" >"$work/dec-${h}h/eval.txt"
  fi
  cat "$work/dec-${h}h/eval.txt"
done
