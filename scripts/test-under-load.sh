#!/usr/bin/env bash
# Runs the test suite beside busy loops that compete for the CPUs, to bring out timing races that a quiet
# machine hides (a slow CI machine shows them one at a time).
#
#   bash scripts/test-under-load.sh [LOOPS] [jest arguments…]
#
# LOOPS busy loops (default: twice the number of CPUs) run for as long as the tests do and are ended by their
# ids on exit. Extra arguments go to jest, e.g. `--randomize` (a new test order within each file; jest prints the
# seed, `--seed N` repeats it) or a test folder. Bring up the test cluster first to include the Slurm tests.
# Exit status: npm test's.
set -euo pipefail
cd "$(dirname "$0")/.."

loops="${1:-$(($(nproc) * 2))}"
[[ "$loops" =~ ^[0-9]+$ ]] || { echo "test-under-load: LOOPS must be a number, not '$loops'" >&2; exit 2; }
shift || true

pids=()
stop_loops() { [ "${#pids[@]}" -eq 0 ] || kill "${pids[@]}" 2>/dev/null || true; }
trap stop_loops EXIT
for _ in $(seq 1 "$loops"); do
  sh -c 'while :; do :; done' &
  pids+=("$!")
done
echo "test-under-load: $loops busy loop(s) on $(nproc) CPU(s): ${pids[*]}" >&2

status=0
npm test -- "$@" || status=$?
exit "$status"
