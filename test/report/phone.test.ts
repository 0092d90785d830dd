import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { useReceiver } from '../helpers/http-receiver.js';
import { BIN, ROOT, runBin } from '../helpers/run-bin.js';
import { makeMonitorSandbox, type MonitorSandbox } from '../monitor/sandbox.js';

// Phone reports through the real binaries: the wrapper runs a real command, `train-monitor --once` builds the
// report and pushes it to a loopback receiver standing in for xxtui (seed-style config) or a webhook.

const receiver = useReceiver(() => ({ status: 200, body: { code: 0 } }));
const FAKE_SLURM = join(ROOT, 'test', 'fixtures', 'monitor', 'slurm-bin');
let box: MonitorSandbox;
beforeEach(() => {
  box = makeMonitorSandbox();
});
afterEach(() => box.cleanup());

interface XxtuiBody { from: string; title: string; content: string }
const sent = () => receiver.requests.map((r) => r.json as XxtuiBody);

// The seed's config as the earlier tool's users have it: one xxtui channel with a fixed title and lead line.
function seedConfig(language: 'en' | 'zh'): string {
  writeFileSync(join(box.root, 'api_keys.yaml'), 'xxtui_api_key: "xk-phone-0001"\n');
  chmodSync(join(box.root, 'api_keys.yaml'), 0o600);
  return box.writeConfig(`notification:
  type: "xxtui"
  api_keys_file: "api_keys.yaml"
  xxtui:
    url: "${receiver.url}/xxtui/{api_key}"
    headers:
      Content-Type: "application/json"
    body:
      title: "训练完成通知"
      content: "训练任务已完成"
report:
  include_last_n_lines: 50
  language: ${language}
`);
}

// Runs a Python program under the real wrapper in the work dir `<root>/<name>`; returns that dir.
async function wrapPython(name: string, program: string): Promise<string> {
  const workDir = join(box.root, name);
  mkdirSync(workDir, { recursive: true });
  const result = await runBin(BIN.wrapper, ['--work-dir', workDir, '--', 'python3', '-c', program], { env: box.env, cwd: box.root });
  expect(result.stderr).toContain('[train-wrapper] marker:');
  return workDir;
}

async function monitorOnce(config: string, ...workDirs: string[]): Promise<void> {
  const args = ['--once', '--config', config, ...workDirs.flatMap((dir) => ['--work-dir', dir])];
  const result = await box.monitor(args);
  expect([result.code, result.stderr]).toEqual([0, expect.stringContaining('delivered')]);
}

const CRASH = [
  'print("epoch 1 loss=0.91", flush=True)',
  'def step():',
  '    raise RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB")',
  'step()',
].join('\n');

describe('phone reports through the wrapper and the monitor (seed-style xxtui config)', () => {
  test('a crash is titled by status and run name, not by the fixed "finished" title; the exception line comes first', async () => {
    const config = seedConfig('en');
    const crashed = await wrapPython('bert-large', CRASH);
    await monitorOnce(config, crashed);
    const [body] = sent();
    expect(body.title).toBe('❌ failed · bert-lar…');
    const lines = body.content.split('\n');
    expect(lines[0]).toBe('RuntimeError: CUDA out of memory. Tried to allocate 2.00 GiB');
    expect(body.content).not.toContain('训练任务已完成');
    // The traceback is shown once (the excerpt); the tail does not repeat it.
    expect(body.content.split('Traceback (most recent call last):')).toHaveLength(2);
    expect(body.title).not.toContain('python');
  });

  test('in Chinese: the crash title and reason; a success keeps the seed\'s fixed title and lead', async () => {
    const config = seedConfig('zh');
    const crashed = await wrapPython('bert-large', CRASH);
    const finished = await wrapPython('bert-ok', 'print("done")');
    await monitorOnce(config, crashed);
    await monitorOnce(config, finished);
    const [crash, success] = sent();
    expect(crash.title).toBe('❌ 失败 · bert-large');
    expect(crash.content.split('\n')[0]).toBe('RuntimeError: CUDA out of memory. Tried to allocate 2.00 GiB');
    expect(crash.content).toContain('状态：❌ 失败');
    expect(success.title).toBe('训练完成通知');
    expect(success.content.split('\n')[0]).toBe('训练任务已完成');
  });

  test('the reason line for a signal and for an exit code', async () => {
    const config = seedConfig('en');
    const killed = await wrapPython('killed', 'import os, signal\nos.kill(os.getpid(), signal.SIGKILL)');
    const exited = await wrapPython('exit3', 'import sys\nsys.exit(3)');
    await monitorOnce(config, killed);
    await monitorOnce(config, exited);
    const [kill, exit] = sent();
    expect(kill.title).toBe('⚠️ terminated · kil…');
    expect(kill.content.split('\n')[0]).toBe('killed by SIGKILL');
    expect(exit.title).toBe('❌ failed · exit3');
    expect(exit.content.split('\n')[0]).toBe('exit code 3');
  });
});

describe('WeCom and DingTalk through the monitor', () => {
  test('a crash reaches both robots in their markdown subset: no code fences, no escapes, no lists, within limits', async () => {
    const crashed = await wrapPython('bert-large', `${CRASH.replace('def step', 'print("loss*2 __init__ [x](y)")\ndef step')}`);
    const config = box.writeConfig(`notification:
  channels:
    - {type: wecom, key: "wc-key-0001", url: "${receiver.url}/cgi-bin/webhook/send"}
    - {type: dingtalk, access_token: "dt-token-0001", url: "${receiver.url}/robot/send"}
`);
    receiver.respond(() => ({ status: 200, body: { errcode: 0, errmsg: 'ok' } }));
    await monitorOnce(config, crashed);
    const byPath = (path: string) => receiver.requests.find((r) => r.url.startsWith(path));
    const wecom = (byPath('/cgi-bin/webhook/send')?.json as { markdown: { content: string } }).markdown.content;
    const dingtalk = byPath('/robot/send')!;
    const text = (dingtalk.json as { markdown: { text: string } }).markdown.text;
    expect(Buffer.byteLength(wecom)).toBeLessThanOrEqual(4096);
    expect(Buffer.byteLength(dingtalk.body)).toBeLessThanOrEqual(20_000);
    for (const markdown of [wecom, text]) {
      expect(markdown).not.toContain('```');
      expect(markdown).not.toMatch(/\\[_*`[\]<>#-]/);
      expect(markdown).not.toMatch(/^- /m);
      expect(markdown).toContain('**RuntimeError: CUDA out of memory. Tried to allocate 2.00 GiB**');
      expect(markdown).toContain('> loss∗2 __init__ ［x］(y)');
    }
  });
});

describe('old markers and lost runs', () => {
  test('the earlier tool\'s 4-field marker with exit_code -15: SIGTERM, unknown fields null, nothing invented', async () => {
    const workDir = join(box.root, 'old-run');
    mkdirSync(join(workDir, 'logs'), { recursive: true });
    writeFileSync(join(workDir, 'logs', 'train.log'), 'epoch 1\nepoch 2\n');
    const seed = { timestamp: '2024-01-01 12:00:00', status: 'failed', exit_code: -15, log_file: 'logs/train.log' };
    writeFileSync(join(workDir, '.train_complete.json'), JSON.stringify(seed));
    const config = box.writeConfig(
      `notification:\n  channels:\n    - {type: webhook, url: "${receiver.url}/hook"}\nreport:\n  language: zh\n`,
    );
    await monitorOnce(config, workDir);
    const body = receiver.requests[0].json as { title: string; content: string; status: string; marker: Record<string, unknown> };
    expect(body.status).toBe('terminated');
    expect(body.title).toBe('⚠️ 被终止 · old-run');
    expect(body.content.split('\n')[0]).toBe('被 SIGTERM 信号停止');
    expect(body.content).toContain('信号：SIGTERM');
    expect(body.content).not.toMatch(/退出码|运行时长|主机|0秒/);
    expect(body.marker).toMatchObject({ exit_code: null, signal: 'SIGTERM', pid: null, duration_s: null, host: null, started_at: null });
  });

  test('lost runs in Chinese: the scheduler\'s state as the reason, its note in Chinese, no English phrases', async () => {
    const slurmDir = join(box.root, 'slurm');
    mkdirSync(slurmDir);
    writeFileSync(join(slurmDir, 'sacct.out'), '444|444|NODE_FAIL|0:0|None\n');
    box.writeHeartbeat('444', 3, {
      slurm: {
        job_id: '444', array_job_id: null, array_task_id: null, job_name: 'gpt', partition: 'gpu', nodelist: 'n1', restart_count: 0,
      },
    });
    box.writeHeartbeat('plain', 3);
    const config = seedConfig('zh');
    const env = { FAKE_SLURM_DIR: slurmDir, PATH: `${FAKE_SLURM}:${process.env.PATH}` };
    for (let i = 0; i < 60 && receiver.requests.length < 2; i += 1) {
      const result = await box.monitor(['--once', '--config', config, '--work-dir', box.workDir, '--stale-after', '1'], env);
      expect(result.code).toBe(0);
      if (receiver.requests.length < 2) await new Promise((r) => setTimeout(r, 300));
    }
    const reports = sent().sort((a, b) => a.title.localeCompare(b.title));
    expect(reports.map((r) => r.title)).toEqual(['💀 失联 · gpt · 444', '💀 失联 · plain']);
    const [slurm, plain] = reports;
    expect(slurm.content.split('\n')[0]).toBe('节点故障（NODE_FAIL）');
    expect(slurm.content).toContain('调度器说明：Slurm 报告作业 444 的状态为 NODE_FAIL，退出 0:0（状态来自 sacct）');
    expect(plain.content.split('\n')[0]).toBe('心跳已停止，且没有写入完成标记');
    expect(plain.content).toContain('调度器说明：不是 Slurm 作业；心跳已停止');
    for (const report of reports) {
      expect(report.content).not.toMatch(/heartbeat|not a Slurm job|Slurm says|state from|lines of the log/);
      expect(report.content).not.toContain('训练任务已完成');
    }
  });
});
