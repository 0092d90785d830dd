#!/usr/bin/env bash
# Keeps train-monitor running on the login node in a detached screen (or tmux) session.
#   slurm/monitor-screen.sh [train-monitor flags…]   start it (does nothing if the session exists)
#   slurm/monitor-screen.sh --stop                   end the session
#   screen -r hpc-run-monitor   /   tmux attach -t hpc-run-monitor    watch it (detach: C-a d / C-b d)
# HPC_RUN_SESSION names the session (default hpc-run-monitor); HPC_RUN_INTERVAL sets --interval (default 60).
set -euo pipefail

SESSION="${HPC_RUN_SESSION:-hpc-run-monitor}"
INTERVAL="${HPC_RUN_INTERVAL:-60}"
MONITOR="${TRAIN_MONITOR:-train-monitor}"

if command -v screen >/dev/null 2>&1; then tool=screen
elif command -v tmux >/dev/null 2>&1; then tool=tmux
else echo "monitor-screen.sh: neither screen nor tmux found; use slurm/monitor.cron instead" >&2; exit 1
fi

# True when our session exists.
session_exists() {
  if [[ $tool == screen ]]; then screen -ls 2>/dev/null | grep -qE "[0-9]+\.${SESSION}[[:space:]]"
  else tmux has-session -t "=$SESSION" 2>/dev/null
  fi
}

if [[ "${1:-}" == "--stop" ]]; then
  if ! session_exists; then echo "monitor-screen.sh: no session '$SESSION'"; exit 0; fi
  if [[ $tool == screen ]]; then screen -S "$SESSION" -X quit; else tmux kill-session -t "=$SESSION"; fi
  echo "monitor-screen.sh: stopped session '$SESSION'"
  exit 0
fi

if session_exists; then
  echo "monitor-screen.sh: session '$SESSION' already running ($tool); attach to see it"
  exit 0
fi

# If the monitor ever exits, the session stays open with its last words and exit status until you press Enter.
runner='"$@"; status=$?; echo "train-monitor exited with status $status; press Enter to close"; read -r _'
if [[ $tool == screen ]]; then
  screen -dmS "$SESSION" bash -c "$runner" monitor "$MONITOR" --interval "$INTERVAL" "$@"
else
  tmux new-session -d -s "$SESSION" bash -c "$runner" monitor "$MONITOR" --interval "$INTERVAL" "$@"
fi
echo "monitor-screen.sh: started '$MONITOR --interval $INTERVAL $*' in $tool session '$SESSION'"
