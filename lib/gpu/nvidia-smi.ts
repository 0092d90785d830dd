import { spawn } from 'node:child_process';

/** The query the sampler runs; the field order is what parseNvidiaSmiCsv expects. */
export const NVIDIA_SMI_ARGS = [
  '--query-gpu=index,name,memory.total,memory.used,utilization.gpu',
  '--format=csv,noheader,nounits',
] as const;

/** One GPU line of the query; a field nvidia-smi cannot report (`[N/A]`, `[Not Supported]`) is null. */
export interface GpuReading {
  index: number;
  name: string;
  memory_total_mib: number | null;
  memory_used_mib: number | null;
  utilization_pct: number | null;
}

/** Outcome of one nvidia-smi run: its stdout, or why there is none. */
export type NvidiaSmiResult = { ok: true; stdout: string } | { ok: false; reason: 'missing' | 'failed' | 'timeout'; detail: string };

// A numeric field, or null for the bracketed "not available" forms and anything else that is not a number.
function readNumber(field: string): number | null {
  const text = field.trim();
  if (!/^-?\d+(\.\d+)?$/.test(text)) return null;
  return Number(text);
}

// Parses `index, name, memory.total, memory.used, utilization.gpu` lines (csv,noheader,nounits); skips anything else.
export function parseNvidiaSmiCsv(text: string): GpuReading[] {
  const readings: GpuReading[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const fields = raw.split(',');
    if (fields.length < 5) continue;
    const index = readNumber(fields[0]);
    if (index === null || !Number.isInteger(index) || index < 0) continue;
    // The name sits between the index and the three numbers; rejoin it in case it ever holds a comma.
    const name = fields.slice(1, -3).join(',').trim();
    const [total, used, util] = fields.slice(-3).map(readNumber);
    readings.push({ index, name, memory_total_mib: total, memory_used_mib: used, utilization_pct: util });
  }
  return readings;
}

// Runs nvidia-smi once with a hard time limit; never rejects. A hung driver call is killed, not waited for.
export function runNvidiaSmi(command: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<NvidiaSmiResult> {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    let settled = false;
    const finish = (result: NvidiaSmiResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const child = spawn(command, [...NVIDIA_SMI_ARGS], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      // Close our ends too: a grandchild still holding the pipes must not keep this process busy.
      child.stdout.destroy();
      child.stderr.destroy();
      finish({ ok: false, reason: 'timeout', detail: `no answer within ${timeoutMs} ms` });
    }, timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      if (stdout.length < 1 << 20) stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      if (stderr.length < 4096) stderr += chunk;
    });
    child.on('error', (error: NodeJS.ErrnoException) =>
      finish({ ok: false, reason: error.code === 'ENOENT' ? 'missing' : 'failed', detail: error.message }),
    );
    child.on('close', (code, signal) => {
      if (code === 0) finish({ ok: true, stdout });
      else finish({ ok: false, reason: 'failed', detail: (stderr || stdout).trim().split('\n')[0] || `exit ${code ?? signal}` });
    });
  });
}
