'use strict';
// The floor under the wrapper's start-up: the least a Node program must do to run `-- CMD` the way hpc-run
// promises, written as cheaply as Node allows (CommonJS, one file, synchronous fs, no config, no spool entry, no
// orphan guard, no Slurm lookups, no checks), so that `bench/startup.mjs` can show how much of the wrapper's
// start-up any design would pay. It is a measuring stick, not a wrapper: it keeps no promise beyond these.
//   - the log: created without overwriting, written by two coreutils tees (stdout and stderr apart), complete
//     before the marker is written;
//   - a heartbeat written atomically before the command, removed after it;
//   - the marker written atomically and durably (fsync of the file and of its directory).
// One process is spawned, the cheapest way: a shell makes the two FIFOs, starts the tees, and execs into the
// command with its output in the FIFOs. With --two-spawns it is done as the wrapper does it: the shell makes the
// FIFOs and becomes the tees, says "ready", and the command is spawned apart, its output in the FIFOs opened here.
//
//   node bench/lib/startup-floor.cjs [--two-spawns] WORK_DIR CMD [ARG...]
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const twoSpawns = process.argv[2] === '--two-spawns';
const [workDir, ...command] = process.argv.slice(twoSpawns ? 3 : 2);
const startedAt = new Date();

function writeAtomically(file, text, durable) {
  const temp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(temp, 'wx');
  fs.writeSync(fd, text);
  if (durable) fs.fsyncSync(fd);
  fs.closeSync(fd);
  fs.renameSync(temp, file);
  if (durable) {
    const dir = fs.openSync(path.dirname(file), 'r');
    fs.fsyncSync(dir);
    fs.closeSync(dir);
  }
}

const logs = path.join(workDir, 'logs');
fs.mkdirSync(logs, { recursive: true });
const log = path.join(logs, `train_${startedAt.toISOString().replace(/\D/g, '').slice(0, 14)}.log`);
fs.closeSync(fs.openSync(log, 'wx'));
const heartbeat = path.join(workDir, '.train_running.json');
writeAtomically(heartbeat, JSON.stringify({ pid: process.pid, started_at: startedAt.toISOString() }), false);

const fifos = fs.mkdtempSync(path.join(os.tmpdir(), 'hpc-run-floor-'));
const ended = twoSpawns ? runTwoSpawns() : runOneSpawn();

// fd 3 of the shell: a pipe to us that only the tees keep open (closed before the exec), so its end says that
// both tees have exited and the log is complete.
function runOneSpawn() {
  const script = [
    'mkfifo "$2/o" "$2/e" || exit 1',
    'tee -a -- "$1" <"$2/o" &',
    'tee -a -- "$1" <"$2/e" >&2 &',
    'exec 5>"$2/o" 6>"$2/e"',
    'rm -r "$2"',
    'shift 2',
    'exec "$@" >&5 2>&6 3>&- 5>&- 6>&-',
  ].join('\n');
  const child = spawn('/bin/sh', ['-c', script, 'sh', log, fifos, ...command], { stdio: ['inherit', 'inherit', 'inherit', 'pipe'] });
  const teesDone = new Promise((resolve) => child.stdio[3].on('close', resolve).resume());
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return Promise.all([exited, teesDone]).then(([end]) => end);
}

// The shell's stderr is a pipe to us: "ready" once the FIFOs exist, closed when both tees have exited.
function runTwoSpawns() {
  const script = 'mkfifo "$2/o" "$2/e" || exit 1\necho ready >&2\ntee -a -- "$1" <"$2/e" >&3 &\nexec tee -a -- "$1" <"$2/o"';
  const shell = spawn('/bin/sh', ['-c', script, 'sh', log, fifos], { stdio: ['ignore', 'inherit', 'pipe', 2], detached: true });
  const teesDone = new Promise((resolve) => shell.stderr.on('close', resolve));
  const ready = new Promise((resolve, reject) => {
    shell.stderr.once('data', resolve);
    shell.once('exit', (code) => reject(new Error(`startup-floor: the tee shell exited (${code}) before its FIFOs were made`)));
  });
  return ready.then(async () => {
    const handles = await Promise.all(['o', 'e'].map((name) => fs.promises.open(path.join(fifos, name), 'w')));
    fs.rmSync(fifos, { recursive: true });
    const child = spawn(command[0], command.slice(1), { stdio: ['inherit', handles[0].fd, handles[1].fd], detached: true });
    await Promise.all(handles.map((handle) => handle.close()));
    shell.stderr.resume();
    const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    return (await Promise.all([exited, teesDone]))[0];
  });
}

ended.then((end) => {
  const marker = { status: end.code === 0 ? 'success' : 'failed', exit_code: end.code, signal: end.signal, log_file: log };
  writeAtomically(path.join(workDir, '.train_complete.json'), `${JSON.stringify(marker, null, 2)}\n`, true);
  fs.unlinkSync(heartbeat);
  process.exitCode = end.code ?? 1;
});
