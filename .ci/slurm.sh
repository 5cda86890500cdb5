#!/usr/bin/env bash
# A real one-node Slurm cluster for mvgen's cluster tests, from Debian's packages, without systemd.
#
#   .ci/slurm.sh start   install slurmctld, slurmd, slurm-client and munge if missing (as root,
#                        apt-get), write a slurm.conf into $MVGEN_SLURM_DIR (/tmp/mvgen-slurm),
#                        start munged (on a private socket), slurmctld and slurmd, and wait until
#                        the node is idle. Prints the shell lines to use it on stdout:
#                          eval "$(.ci/slurm.sh start)"   # exports SLURM_CONF, MVGEN_SLURM=1
#   .ci/slurm.sh stop    cancel the cluster's jobs and stop the daemons by their recorded PIDs
#   .ci/slurm.sh env     print the shell lines of a running cluster (nothing if it is down)
#   .ci/slurm.sh status  say whether it runs
#
# Idempotent: `start` reuses a running cluster (and then prints MVGEN_SLURM_STARTED=0, so whoever
# sourced it does not stop what it did not start). Never touches a system Slurm or munge: its own
# config, state, ports (MVGEN_SLURM_PORT, 16817 and 16818 by default) and munge socket and key.
# Daemons are stopped by PID, never by name. Messages go to stderr.
set -uo pipefail

dir="${MVGEN_SLURM_DIR:-/tmp/mvgen-slurm}"
port="${MVGEN_SLURM_PORT:-16817}"
conf="$dir/slurm.conf"
sock="$dir/munge/munge.socket"

say() { echo "slurm.sh: $*" >&2; }

env_lines() {
  echo "export SLURM_CONF='$conf'"
  echo "export MVGEN_SLURM=1"
}

alive() { # pid file -> running (a zombie counts as stopped)
  local pid state
  [ -s "$1" ] || return 1
  pid="$(cat "$1")"
  state="$(ps -o stat= -p "$pid" 2>/dev/null | cut -c1)"
  [ -n "$state" ] && [ "$state" != Z ]
}

ready() {
  [ -f "$conf" ] || return 1
  SLURM_CONF="$conf" scontrol ping 2>/dev/null | grep -q 'is UP' &&
    SLURM_CONF="$conf" sinfo -h -o '%t' 2>/dev/null | grep -Eq '^(idle|mix|alloc)'
}

install() {
  local need=()
  command -v slurmctld >/dev/null 2>&1 || need+=(slurmctld)
  command -v slurmd >/dev/null 2>&1 || need+=(slurmd)
  command -v sbatch >/dev/null 2>&1 || need+=(slurm-client)
  command -v munged >/dev/null 2>&1 || need+=(munge)
  [ ${#need[@]} -eq 0 ] && return 0
  if [ "$(id -u)" != 0 ]; then
    say "needs ${need[*]} (install them as root, or run as root); cluster tests will be skipped"
    return 1
  fi
  say "installing ${need[*]}"
  mkdir -p "$dir"
  { DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}" ||
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
      --no-install-recommends "${need[@]}"; }; } </dev/null >"$dir/apt.log" 2>&1 || {
    say "apt-get failed (see $dir/apt.log)"
    tail -5 "$dir/apt.log" >&2
    return 1
  }
}

write_conf() {
  local cpus mem
  cpus="$(nproc)"
  mem="$(awk '/MemTotal/ {print int($2 / 1024 / 2)}' /proc/meminfo)"
  mkdir -p "$dir/state" "$dir/spool"
  cat >"$conf" <<CONF
# mvgen's one-node test cluster (.ci/slurm.sh); everything lives in $dir.
ClusterName=mvgen-test
SlurmctldHost=localhost
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$sock
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SlurmdParameters=config_overrides
ReturnToService=2
SchedulerParameters=batch_sched_delay=0
JobCompType=jobcomp/filetxt
JobCompLoc=$dir/jobcomp.txt
AccountingStorageType=accounting_storage/none
MailProg=/bin/true
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid.slurm
SlurmdPidFile=$dir/slurmd.pid.slurm
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=test Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
}

start_munge() {
  alive "$dir/munged.pid" && return 0
  id munge >/dev/null 2>&1 || { say "no user 'munge' (the munge package makes it)"; return 1; }
  # munged checks that its folders are private to it and that no one else can write their parents.
  mkdir -p "$dir/munge"
  chmod 755 "$dir"
  chown munge:munge "$dir/munge"
  chmod 755 "$dir/munge" # clients need to reach the socket; the key itself is 0400
  if [ ! -s "$dir/munge/munge.key" ]; then
    # A private key: this cluster never shares credentials with a system munged.
    head -c 1024 /dev/urandom >"$dir/munge/munge.key"
    chown munge:munge "$dir/munge/munge.key"
    chmod 400 "$dir/munge/munge.key"
  fi
  setpriv --reuid=munge --regid=munge --init-groups \
    munged --foreground --socket="$sock" --key-file="$dir/munge/munge.key" \
    --log-file="$dir/munge/munged.log" --pid-file="$dir/munge/munged.pid" \
    --seed-file="$dir/munge/munged.seed" </dev/null >>"$dir/munged.out" 2>&1 &
  echo $! >"$dir/munged.pid"
  for _ in $(seq 1 50); do
    [ -S "$sock" ] && return 0
    alive "$dir/munged.pid" || break
    sleep 0.1
  done
  say "munged did not start (see $dir/munged.out and $dir/munge/munged.log)"
  tail -5 "$dir/munged.out" "$dir/munge/munged.log" >&2 2>/dev/null
  return 1
}

start() {
  if ready && alive "$dir/slurmctld.pid" && alive "$dir/slurmd.pid"; then
    env_lines
    echo "MVGEN_SLURM_STARTED=0"
    return 0
  fi
  install || return 1
  if [ "$(id -u)" != 0 ]; then
    say "slurmd must run as root here; cluster tests will be skipped"
    return 1
  fi
  mkdir -p "$dir"
  write_conf
  start_munge || return 1
  if ! alive "$dir/slurmctld.pid"; then
    # -i: ignore state of an earlier run in this folder.
    slurmctld -D -i -f "$conf" </dev/null >>"$dir/slurmctld.out" 2>&1 &
    echo $! >"$dir/slurmctld.pid"
  fi
  if ! alive "$dir/slurmd.pid"; then
    slurmd -D -N localhost -f "$conf" </dev/null >>"$dir/slurmd.out" 2>&1 &
    echo $! >"$dir/slurmd.pid"
  fi
  for _ in $(seq 1 300); do
    if ready; then
      say "one-node cluster ready (SLURM_CONF=$conf)"
      env_lines
      echo "MVGEN_SLURM_STARTED=1"
      return 0
    fi
    if ! alive "$dir/slurmctld.pid" || ! alive "$dir/slurmd.pid"; then
      break
    fi
    sleep 0.1
  done
  say "the cluster did not become ready (see $dir/slurmctld.log and $dir/slurmd.log)"
  tail -5 "$dir/slurmctld.log" "$dir/slurmd.log" >&2 2>/dev/null
  stop
  return 1
}

stop_pid() { # pid file, name
  local f="$1" pid
  [ -s "$f" ] || return 0
  pid="$(cat "$f")"
  if alive "$f"; then
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 1 100); do
      alive "$f" || break
      sleep 0.1
    done
    if alive "$f"; then
      say "$2 (pid $pid) did not stop on SIGTERM; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null
    fi
  fi
  rm -f "$f"
}

stop() {
  if [ -f "$conf" ] && alive "$dir/slurmctld.pid"; then
    SLURM_CONF="$conf" scancel --full --quiet --user="$(id -un)" 2>/dev/null
    for _ in $(seq 1 100); do
      [ -z "$(SLURM_CONF="$conf" squeue -h 2>/dev/null)" ] && break
      sleep 0.1
    done
  fi
  stop_pid "$dir/slurmd.pid" slurmd
  stop_pid "$dir/slurmctld.pid" slurmctld
  stop_pid "$dir/munged.pid" munged
  say "stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  env) if ready; then env_lines; fi ;;
  status)
    if ready; then
      say "running (SLURM_CONF=$conf)"
    else
      say "not running"
      exit 1
    fi
    ;;
  *)
    echo "usage: $0 start|stop|env|status" >&2
    exit 2
    ;;
esac
