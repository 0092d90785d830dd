#!/usr/bin/env bash
# Real-hardware check of GPU sampling and the idle-GPU alert, for anyone with an NVIDIA GPU (not run in CI, which
# keeps the fake nvidia-smi). Needs: nvidia-smi, python3 with torch (CUDA) or cupy, and `npm run build` done.
#
#   test/gpu/real-gpu.sh            # ~2 minutes: 40 s of GPU load, then idle until the alert (or 90 s)
#
# What it does: runs the real train-wrapper around a Python job that keeps GPU 0 busy (a matmul loop holding
# ~2 GiB) for LOAD_S seconds, then sleeps while still printing (so no stall alert), and runs monitor passes with
# monitor.gpu_idle {threshold: 5, after: 20s}. It checks, against the real nvidia-smi:
#   1. while loaded, the heartbeat's GPU readings show utilisation > 30 % and memory used > 1 GiB on GPU 0;
#   2. once idle, exactly one gpu_idle report is delivered (console channel, notifications.log), none before;
#   3. the marker's gpus summary has a peak memory > 1 GiB and a non-zero mean utilisation.
# Exit 0 when all hold; any failure prints what was seen and exits 1. Everything lives in a temp dir.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
LOAD_S="${LOAD_S:-40}"
IDLE_MAX_S="${IDLE_MAX_S:-90}"
command -v nvidia-smi >/dev/null || { echo "real-gpu: nvidia-smi not found: this check needs an NVIDIA GPU" >&2; exit 1; }
nvidia-smi --query-gpu=index,name,memory.total,memory.used,utilization.gpu --format=csv,noheader,nounits | sed 's/^/real-gpu: found GPU /'
TMP="$(mktemp -d)"; trap 'kill "${WRAPPER_PID:-0}" 2>/dev/null || true; rm -rf "$TMP"' EXIT
export HPC_RUN_STATE_DIR="$TMP/state" CUDA_VISIBLE_DEVICES="${CUDA_VISIBLE_DEVICES:-0}"
mkdir -p "$TMP/work"
printf 'monitor:\n  stall_after: off\n  gpu_idle: {threshold: 5, after: 20s}\n' > "$TMP/config.yaml"
cat > "$TMP/work/load.py" <<PY
import sys, time
t_end = time.time() + $LOAD_S
try:
    import torch
    x = torch.randn(8192, 8192, device="cuda")
    hold = torch.empty(int(2 * 1024**3 / 4), device="cuda")  # ~2 GiB held while loaded
    while time.time() < t_end:
        for _ in range(20):
            y = x @ x
        torch.cuda.synchronize()
        print(f"load step {time.time():.0f}", flush=True)
    del hold, x, y
    torch.cuda.empty_cache()
except ImportError:
    import cupy as cp
    x = cp.random.rand(8192, 8192, dtype=cp.float32)
    hold = cp.empty(int(2 * 1024**3 / 4), dtype=cp.float32)
    while time.time() < t_end:
        for _ in range(20):
            y = x @ x
        cp.cuda.Device().synchronize()
        print(f"load step {time.time():.0f}", flush=True)
    del hold, x, y
    cp.get_default_memory_pool().free_all_blocks()
print("now idle", flush=True)
while True:
    print(f"idle tick {time.time():.0f}", flush=True)
    time.sleep(2)
PY
"$ROOT/bin/train-wrapper" --work-dir "$TMP/work" --run-id realgpu --heartbeat-interval 3 --quiet --command "python3 load.py" > "$TMP/wrapper.out" 2>&1 &
WRAPPER_PID=$!
HB="$TMP/work/.train_running.realgpu.json"
max_util=0; max_mem=0
for _ in $(seq 1 $((LOAD_S / 3))); do
  sleep 3
  [ -f "$HB" ] || continue
  read -r util mem < <(python3 -c 'import json,sys
h=json.load(open(sys.argv[1])); g=(h.get("gpus_now") or h.get("gpus") or [{}])[0]
print(g.get("utilization_pct") or 0, g.get("memory_used_mib") or 0)' "$HB")
  [ "${util%.*}" -gt "$max_util" ] && max_util="${util%.*}"
  [ "${mem%.*}" -gt "$max_mem" ] && max_mem="${mem%.*}"
  "$ROOT/bin/train-monitor" --once --quiet --config "$TMP/config.yaml" > /dev/null 2>&1 || true
done
echo "real-gpu: while loaded, heartbeat readings of GPU 0: up to ${max_util}% and ${max_mem} MiB"
fail=0
[ "$max_util" -gt 30 ] || { echo "real-gpu: FAIL utilisation never above 30 % while loaded"; fail=1; }
[ "$max_mem" -gt 1024 ] || { echo "real-gpu: FAIL memory used never above 1 GiB while loaded"; fail=1; }
if grep -q "GPUs idle" "$HPC_RUN_STATE_DIR/notifications.log" 2>/dev/null; then echo "real-gpu: FAIL gpu_idle alert while the GPU was busy"; fail=1; fi
deadline=$((SECONDS + IDLE_MAX_S))
while [ $SECONDS -lt $deadline ] && ! grep -q "GPUs idle" "$HPC_RUN_STATE_DIR/notifications.log" 2>/dev/null; do
  "$ROOT/bin/train-monitor" --once --quiet --config "$TMP/config.yaml" > /dev/null 2>&1 || true
  sleep 3
done
for _ in 1 2 3; do "$ROOT/bin/train-monitor" --once --quiet --config "$TMP/config.yaml" > /dev/null 2>&1 || true; sleep 3; done
alerts=$(grep -c "^💤 GPUs idle" "$HPC_RUN_STATE_DIR/notifications.log" 2>/dev/null || true)
echo "real-gpu: gpu_idle reports after the load stopped: ${alerts:-0}"
[ "${alerts:-0}" = 1 ] || { echo "real-gpu: FAIL expected exactly one gpu_idle report"; fail=1; }
kill -TERM "$WRAPPER_PID"; wait "$WRAPPER_PID" || true
python3 - "$TMP/work/.train_complete.realgpu.json" <<'PY' || fail=1
import json, sys
m = json.load(open(sys.argv[1]))
g = (m.get("gpus") or [{}])[0]
print(f"real-gpu: marker GPU 0 summary: peak {g.get('peak_memory_used_mib')} MiB, mean {g.get('mean_utilization_pct')} %")
ok = (g.get("peak_memory_used_mib") or 0) > 1024 and (g.get("mean_utilization_pct") or 0) > 0
print("real-gpu: marker summary " + ("ok" if ok else "FAIL"))
sys.exit(0 if ok else 1)
PY
[ "$fail" = 0 ] && echo "real-gpu: all checks passed" || { echo "real-gpu: some checks failed"; exit 1; }
