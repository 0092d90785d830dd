import type { Counter, Gauge, Registry } from 'prom-client';

/** What `/metrics` needs to know of one run (the status table's row). */
export interface MetricsRun {
  run: string;
  job_id: string | null;
  state: string;
  last_output_age_s: number | null;
  gpus: { index: number; utilization_pct: number | null }[];
}

/** Every state a run can be in, so a state with no runs reads 0 rather than vanishing. */
export const RUN_STATES = ['running', 'stalled', 'gpu_idle', 'delivering', 'delivered', 'delivery_failing', 'lost'] as const;

/** The monitor's Prometheus metrics, through prom-client; one instance per process. */
export interface MonitorMetrics {
  registry: Registry;
  contentType: string;
  recordDelivery(channel: string, ok: boolean, retry: boolean): void;
  recordSetAside(count: number): void;
  recordPass(endedAtMs: number, durationMs: number): void;
  updateRuns(runs: MetricsRun[]): void;
  render(): Promise<string>;
}

/** Builds the registry (prom-client loads only here, when a status server is asked for). */
export async function createMonitorMetrics(): Promise<MonitorMetrics> {
  const prom = await import('prom-client');
  const registry = new prom.Registry();
  const on = { registers: [registry] };
  // prom-client's default Node metrics include gauges named *_total, which promtool's lint rejects: RSS suffices.
  new prom.Gauge({
    name: 'hpc_run_monitor_resident_memory_bytes',
    help: 'Resident memory of the monitor process.',
    collect() {
      this.set(process.memoryUsage.rss());
    },
    ...on,
  });
  const runs = new prom.Gauge({ name: 'hpc_run_runs', help: 'Runs known to the monitor, by state.', labelNames: ['state'], ...on });
  const deliveries: Counter<'channel' | 'result'> = new prom.Counter({
    name: 'hpc_run_deliveries_total',
    help: 'Report deliveries attempted, by channel and result (ok or failed).',
    labelNames: ['channel', 'result'],
    ...on,
  });
  const retries = new prom.Counter({
    name: 'hpc_run_delivery_retries_total',
    help: 'Deliveries that were retries of an earlier failure.',
    labelNames: ['channel'],
    ...on,
  });
  const setAside = new prom.Counter({ name: 'hpc_run_markers_set_aside_total', help: 'Markers set aside as unreadable (*.bad).', ...on });
  const lastPass = new prom.Gauge({
    name: 'hpc_run_last_pass_timestamp_seconds',
    help: 'When the last monitor pass ended (Unix time).',
    ...on,
  });
  const passes = new prom.Counter({ name: 'hpc_run_passes_total', help: 'Monitor passes finished since start.', ...on });
  const passDuration = new prom.Gauge({ name: 'hpc_run_last_pass_duration_seconds', help: 'How long the last monitor pass took.', ...on });
  const outputAge: Gauge<'run' | 'job_id'> = new prom.Gauge({
    name: 'hpc_run_run_last_output_age_seconds',
    help: 'Per running run: seconds since its log last grew, by the monitor\'s clock.',
    labelNames: ['run', 'job_id'],
    ...on,
  });
  const gpuUtil: Gauge<'run' | 'job_id' | 'gpu'> = new prom.Gauge({
    name: 'hpc_run_run_gpu_utilization_percent',
    help: 'Per running run and GPU: the latest utilisation sample (GPUs without a reading, such as MIG, are left out).',
    labelNames: ['run', 'job_id', 'gpu'],
    ...on,
  });
  for (const state of RUN_STATES) runs.set({ state }, 0);
  return {
    registry,
    contentType: registry.contentType,
    recordDelivery: (channel, ok, retry) => {
      deliveries.inc({ channel, result: ok ? 'ok' : 'failed' });
      if (retry) retries.inc({ channel });
    },
    recordSetAside: (count) => {
      if (count > 0) setAside.inc(count);
    },
    recordPass: (endedAtMs, durationMs) => {
      passes.inc();
      lastPass.set(endedAtMs / 1000);
      passDuration.set(durationMs / 1000);
    },
    updateRuns: (list) => {
      const counts = new Map<string, number>(RUN_STATES.map((s) => [s, 0]));
      outputAge.reset();
      gpuUtil.reset();
      for (const run of list) {
        counts.set(run.state, (counts.get(run.state) ?? 0) + 1);
        if (!isLive(run.state)) continue;
        const labels = { run: run.run, job_id: run.job_id ?? '' };
        if (run.last_output_age_s !== null) outputAge.set(labels, run.last_output_age_s);
        for (const gpu of run.gpus) {
          if (gpu.utilization_pct !== null) gpuUtil.set({ ...labels, gpu: String(gpu.index) }, gpu.utilization_pct);
        }
      }
      for (const [state, n] of counts) runs.set({ state }, n);
    },
    render: () => registry.metrics(),
  };
}

function isLive(state: string): boolean {
  return state === 'running' || state === 'stalled' || state === 'gpu_idle';
}
