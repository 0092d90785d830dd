#!/usr/bin/env python3
"""A small stand-in for a training job: standard library only.

It behaves the way real training scripts do, so the wrapper and the monitor can be tried (and tested)
without a GPU: a tqdm-style progress bar on stderr, `step=K loss=X.XXXX` lines on stdout, SIGUSR1 writes a
checkpoint, and it can be told to fail with a traceback, hang, ignore SIGTERM or leave worker processes behind.

    python3 examples/train.py --steps 50 --sleep 0.2
    python3 examples/train.py --fail 3            # CUDA-OOM-style traceback, exit 3
    python3 examples/train.py --workers 2 --hang  # two data-loader-like workers, then hang
    kill -USR1 <pid>                              # "checkpoint saved at step K", training goes on
"""

import argparse
import math
import os
import random
import signal
import subprocess
import sys
import time
import traceback

# How often pending signals are looked at while sleeping (seconds).
TICK = 0.05


def parse_args(argv):
    """Reads the command line."""
    p = argparse.ArgumentParser(description="Example training job for hpc-run.")
    p.add_argument("--steps", type=int, default=20, help="number of training steps (default 20)")
    p.add_argument("--sleep", type=float, default=0.1, help="seconds per step (default 0.1)")
    p.add_argument("--fail", type=int, metavar="CODE", help="after the steps, print a traceback and exit with CODE")
    p.add_argument("--hang", action="store_true", help="after the steps, sleep until killed")
    p.add_argument("--workers", type=int, default=0, metavar="N", help="spawn N sleeping worker processes")
    p.add_argument("--worker-lifetime", type=float, default=600.0, metavar="S",
                   help="workers exit by themselves after S seconds, so none lingers for ever (default 600)")
    p.add_argument("--checkpoint-dir", default="checkpoints", metavar="DIR",
                   help="where SIGUSR1 writes checkpoints (default ./checkpoints)")
    p.add_argument("--ignore-term", action="store_true", help="ignore SIGTERM (workers too): only SIGKILL stops it")
    p.add_argument("--resume", action="store_true", help="continue after the latest checkpoint in --checkpoint-dir")
    p.add_argument("--seed", type=int, default=0, help="seed of the simulated loss (default 0)")
    return p.parse_args(argv)


class Signals:
    """Signal handlers only set flags; the main loop acts on them between sleeps (no I/O inside a handler)."""

    def __init__(self, ignore_term):
        self.checkpoint_requests = 0
        self.ignored_terms = 0
        signal.signal(signal.SIGUSR1, self._on_usr1)
        if ignore_term:
            signal.signal(signal.SIGTERM, self._on_term)

    def _on_usr1(self, signum, frame):
        self.checkpoint_requests += 1

    def _on_term(self, signum, frame):
        self.ignored_terms += 1


def say(text):
    """A line on stdout, flushed at once (as with PYTHONUNBUFFERED)."""
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def format_time(seconds):
    """mm:ss as tqdm shows it."""
    seconds = int(max(0, seconds))
    return "%02d:%02d" % (seconds // 60, seconds % 60)


def draw_progress(done, total, started, final=False):
    """One tqdm-style bar, redrawn in place with \\r on stderr."""
    elapsed = time.monotonic() - started
    rate = done / elapsed if elapsed > 0 else 0.0
    remaining = (total - done) / rate if rate > 0 else 0.0
    frac = done / total if total else 1.0
    width = 20
    filled = int(frac * width)
    bar = "\u2588" * filled + " " * (width - filled)
    line = "\rtrain: %3d%%|%s| %d/%d [%s<%s, %.2fit/s]" % (
        round(frac * 100), bar, done, total, format_time(elapsed), format_time(remaining), rate)
    sys.stderr.write(line + ("\n" if final else ""))
    sys.stderr.flush()


def checkpoint_path(directory, step):
    return os.path.join(directory, "ckpt_step_%06d.txt" % step)


def save_checkpoint(directory, step):
    """Writes the step number atomically (temp file + rename), as real trainers should."""
    os.makedirs(directory, exist_ok=True)
    final = checkpoint_path(directory, step)
    temp = final + ".tmp.%d" % os.getpid()
    with open(temp, "w") as f:
        f.write("step=%d\n" % step)
        f.flush()
        os.fsync(f.fileno())
    os.replace(temp, final)
    say("checkpoint saved at step %d" % step)


def latest_checkpoint(directory):
    """The highest step with a checkpoint file, or 0."""
    best = 0
    try:
        names = os.listdir(directory)
    except FileNotFoundError:
        return 0
    for name in names:
        if name.startswith("ckpt_step_") and name.endswith(".txt"):
            try:
                best = max(best, int(name[len("ckpt_step_"):-len(".txt")]))
            except ValueError:
                pass
    return best


WORKER_CODE = """
import signal, sys, time
if sys.argv[2] == '1':
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
time.sleep(float(sys.argv[1]))
"""


def spawn_workers(count, lifetime, ignore_term):
    """Sleeping child processes, like data-loader workers; they stay in our process group."""
    workers = []
    for i in range(count):
        proc = subprocess.Popen([sys.executable, "-c", WORKER_CODE, str(lifetime), "1" if ignore_term else "0"])
        workers.append(proc)
        say("worker %d pid=%d" % (i, proc.pid))
    return workers


def stop_workers(workers):
    """On a normal end the script shuts its workers down, as a DataLoader does."""
    for proc in workers:
        if proc.poll() is None:
            proc.kill()
    for proc in workers:
        proc.wait()


def pause(seconds, state, signals):
    """Sleeps in short ticks so a SIGUSR1 checkpoint is written promptly even during long steps."""
    deadline = time.monotonic() + seconds
    while True:
        serve_signals(state, signals)
        left = deadline - time.monotonic()
        if left <= 0:
            return
        time.sleep(min(TICK, left))


def serve_signals(state, signals):
    """Acts on the flags the handlers set."""
    while signals.checkpoint_requests > 0:
        signals.checkpoint_requests -= 1
        save_checkpoint(state["checkpoint_dir"], state["step"])
    while signals.ignored_terms > 0:
        signals.ignored_terms -= 1
        say("received SIGTERM at step %d, ignoring it" % state["step"])


def simulated_loss(step, total, rng):
    return 2.5 * math.exp(-3.0 * step / max(total, 1)) + 0.05 + rng.random() * 0.02


def main(argv):
    args = parse_args(argv)
    signals = Signals(args.ignore_term)
    rng = random.Random(args.seed)
    first = 1
    if args.resume:
        done = latest_checkpoint(args.checkpoint_dir)
        first = done + 1
        say("resuming from step %d" % done if done else "no checkpoint found, starting from step 1")
    state = {"step": first - 1, "checkpoint_dir": args.checkpoint_dir}
    say("training: pid=%d steps=%d sleep=%g" % (os.getpid(), args.steps, args.sleep))
    workers = spawn_workers(args.workers, args.worker_lifetime, args.ignore_term)

    started = time.monotonic()
    total = args.steps
    draw_progress(state["step"], total, started)
    for step in range(first, total + 1):
        pause(args.sleep, state, signals)
        state["step"] = step
        loss = simulated_loss(step, total, rng)
        say("step=%d loss=%.4f" % (step, loss))
        draw_progress(step, total, started, final=(step == total))
    serve_signals(state, signals)

    if args.hang:
        say("steps done, hanging (kill me)")
        while True:
            pause(3600, state, signals)

    if args.fail is not None:
        try:
            raise RuntimeError(
                "CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 79.11 GiB total capacity; "
                "76.52 GiB already allocated; 1.12 GiB free; 77.80 GiB reserved in total by PyTorch)")
        except RuntimeError:
            traceback.print_exc()
            sys.stderr.flush()
            stop_workers(workers)
            return args.fail

    stop_workers(workers)
    say("training done: %d steps" % total)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
