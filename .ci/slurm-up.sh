#!/usr/bin/env bash
# CI: a single-node Slurm on this machine, so that the batch tests submit real job arrays (Invoke-BlaseBatch -Scheduler
# Slurm). Installs Debian's slurm-wlm and munge (apt-get, as root) and starts munged, slurmctld and slurmd by hand: the
# packages' install starts no service (policy-rc.d) and there is no systemd. The sandbox's cgroups are not usable, hence
# proctrack/linuxproc and task/none; no accounting (jobs are read with `scontrol show job`, MinJobAge keeps finished ones
# visible). Idempotent: when the node is already idle it does nothing. Stop it with `.ci/slurm-up.sh --down`.
set -euo pipefail
[[ $(id -u) -eq 0 ]] || { echo "slurm-up: needs root (apt-get, the daemons)" >&2; exit 1; }

state=/run/blase-slurm
conf=/etc/slurm/slurm.conf

down() {
  # Jobs first, then the daemons by their pid files.
  command -v scancel >/dev/null 2>&1 && scancel --quiet --user=root 2>/dev/null || true
  for d in slurmd slurmctld munged; do
    local pidfile="$state/$d.pid"
    [[ $d == munged ]] && pidfile=/run/munge/munged.pid
    if [[ -f $pidfile ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then kill "$(cat "$pidfile")"; fi
  done
}

if [[ ${1:-} == --down ]]; then down; exit 0; fi

node_state() { sinfo -h -N -o '%T' 2>/dev/null | head -1; }

if command -v sinfo >/dev/null 2>&1 && [[ $(node_state) == idle ]]; then
  echo "slurm-up: already up ($(hostname -s) idle)"
  exit 0
fi

if ! command -v slurmctld >/dev/null 2>&1 || ! command -v munged >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q slurm-wlm munge >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q slurm-wlm munge >/dev/null; }
fi

host=$(hostname -s)
cpus=$(nproc)
# RealMemory below the total (MB), or slurmd registers the node as invalid.
mem=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 * 9 / 10 ))
mkdir -p "$state" /var/spool/slurmctld /var/spool/slurmd /var/log/slurm /etc/slurm
cat >"$conf" <<EOF
ClusterName=blase-ci
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=$state/slurmctld.pid
SlurmdPidFile=$state/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MinJobAge=3600
SchedulerParameters=defer_no
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF

# munge: a key (once), its run folder, the daemon as user munge.
if [[ ! -s /etc/munge/munge.key ]]; then
  mkdir -p /etc/munge
  dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
fi
chown munge:munge /etc/munge/munge.key && chmod 400 /etc/munge/munge.key
mkdir -p /run/munge /var/log/munge /var/lib/munge
chown munge:munge /run/munge /var/log/munge /var/lib/munge
if ! { [[ -f /run/munge/munged.pid ]] && kill -0 "$(cat /run/munge/munged.pid)" 2>/dev/null; }; then
  su -s /bin/sh munge -c /usr/sbin/munged
fi

running() { [[ -f $state/$1.pid ]] && kill -0 "$(cat "$state/$1.pid")" 2>/dev/null; }
if running slurmctld; then scontrol reconfigure >/dev/null 2>&1 || true; else slurmctld; fi
running slurmd || slurmd

# Ready when the node reads exactly "idle" ("idle*" means slurmctld cannot reach it yet).
for _ in $(seq 1 60); do
  s=$(node_state || true)
  if [[ $s == idle ]]; then echo "slurm-up: $host idle ($cpus CPUs, ${mem} MB)"; exit 0; fi
  if [[ $s == down* || $s == drain* ]]; then scontrol update NodeName="$host" State=RESUME >/dev/null 2>&1 || true; fi
  sleep 1
done
echo "slurm-up: the node did not become idle (state: ${s:-none}); see /var/log/slurm/slurmctld.log and slurmd.log" >&2
exit 1
