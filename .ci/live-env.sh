#!/usr/bin/env bash
# Real audio and display for mvgen's live tests, sourced by .ci/run (or run by hand: `. .ci/live-env.sh`).
#
# - PulseAudio with a null sink "mvgen_null"; its monitor is the default source, so a file played
#   with `paplay` into the sink is what an application records from the default input.
# - Java Sound reaches PulseAudio through ALSA: the "pulse" ALSA plugin (libasound2-plugins) and an
#   /etc/asound.conf that routes ALSA's default device to it.
# - Xvfb on :99 for the live window; DISPLAY is exported.
#
# Idempotent (a second run reuses the running servers); works as root on a fresh Debian 12 with no
# stdin. Exports PULSE_SERVER and DISPLAY, and MVGEN_LIVE_ENV=1 when both are up. Never exits the
# shell that sources it: on failure it prints why and returns non-zero, and the live tests skip.

mvgen_live_env() {
  local runtime=/tmp/mvgen-live
  local sock="$runtime/pulse/native"
  mkdir -p "$runtime/pulse"
  chmod 700 "$runtime"

  local need=()
  command -v pulseaudio >/dev/null 2>&1 || need+=(pulseaudio)
  command -v paplay >/dev/null 2>&1 || need+=(pulseaudio-utils)
  command -v Xvfb >/dev/null 2>&1 || need+=(xvfb)
  command -v xdpyinfo >/dev/null 2>&1 || need+=(x11-utils)
  ls /usr/lib/*/alsa-lib/libasound_module_pcm_pulse.so >/dev/null 2>&1 || need+=(libasound2-plugins)
  # What Java's AWT needs to open windows and draw text on X11.
  for p in libxtst6 libxrender1 libxi6 fontconfig fonts-dejavu-core; do
    dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
  done
  # A headless JDK has no X11 toolkit (libawt_xawt.so): the window tests need the full JRE.
  local java_home
  java_home="$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")"
  [ -e "$java_home/lib/libawt_xawt.so" ] || need+=(openjdk-17-jre)
  if [ "${#need[@]}" -gt 0 ]; then
    echo "live-env: installing ${need[*]}" >&2
    if ! { DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"; } \
      </dev/null >"$runtime/apt.log" 2>&1; then
      echo "live-env: apt-get failed (see $runtime/apt.log); live tests will be skipped" >&2
      tail -5 "$runtime/apt.log" >&2
      return 1
    fi
  fi

  # ALSA's default device -> PulseAudio. Only written when absent or ours, never over a user's file.
  if [ ! -e /etc/asound.conf ] || grep -q "mvgen live-env" /etc/asound.conf; then
    cat >/etc/asound.conf <<'ASOUND'
# mvgen live-env: route ALSA's default device to PulseAudio (Java Sound uses ALSA).
pcm.!default { type pulse }
ctl.!default { type pulse }
ASOUND
  fi

  export PULSE_SERVER="unix:$sock"
  export PULSE_RUNTIME_PATH="$runtime/pulse"
  if ! pactl info >/dev/null 2>&1; then
    # User mode as root (system mode would refuse module loading over the socket); no default
    # script, only what the tests need, and never exit on idle.
    # In the background rather than daemonized, so that its PID is known and run-tests stops it.
    pulseaudio --daemonize=no --exit-idle-time=-1 --disallow-exit -n --use-pid-file=no \
      --log-target=file:"$runtime/pulse.log" \
      --load="module-native-protocol-unix auth-anonymous=1 socket=$sock" \
      --load="module-null-sink sink_name=mvgen_null rate=44100 channels=1 sink_properties=device.description=mvgen_null" \
      </dev/null >/dev/null 2>&1 &
    MVGEN_LIVE_PIDS="${MVGEN_LIVE_PIDS:-} $!"
    for _ in $(seq 1 50); do
      pactl info >/dev/null 2>&1 && break
      sleep 0.1
    done
  fi
  if ! pactl info >/dev/null 2>&1; then
    echo "live-env: PulseAudio did not start (see $runtime/pulse.log); live tests will be skipped" >&2
    return 1
  fi
  pactl set-default-sink mvgen_null >/dev/null || true
  pactl set-default-source mvgen_null.monitor >/dev/null || true

  export DISPLAY="${MVGEN_DISPLAY:-:99}"
  if ! xdpyinfo >/dev/null 2>&1; then
    Xvfb "$DISPLAY" -screen 0 1280x800x24 -nolisten tcp </dev/null >"$runtime/xvfb.log" 2>&1 &
    MVGEN_LIVE_PIDS="${MVGEN_LIVE_PIDS:-} $!"
    for _ in $(seq 1 50); do
      xdpyinfo >/dev/null 2>&1 && break
      sleep 0.1
    done
  fi
  if ! xdpyinfo >/dev/null 2>&1; then
    echo "live-env: Xvfb did not start on $DISPLAY (see $runtime/xvfb.log)" >&2
    return 1
  fi
  export MVGEN_LIVE_ENV=1
  # What this script started (not what was already running), for run-tests to stop by PID.
  export MVGEN_LIVE_PIDS
  echo "live-env: PulseAudio ($PULSE_SERVER, source mvgen_null.monitor) and X display $DISPLAY ready" >&2
}

# Sourced under `set -e` by run-tests: a failure here must skip the live tests, not stop the run.
mvgen_live_env || echo "live-env: live tests will be skipped" >&2
