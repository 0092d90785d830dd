import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { SMTPServer } from 'smtp-server';
import { useReceiver, type ReceivedRequest } from '../helpers/http-receiver.js';
import { waitFor } from '../helpers/run-bin.js';
import { makeMonitorSandbox, type MonitorSandbox } from '../monitor/sandbox.js';

let box: MonitorSandbox;
const hook = useReceiver(() => ({ status: 200, body: {} }));
beforeEach(() => {
  box = makeMonitorSandbox();
});
afterEach(() => box.cleanup());

const bodyId = (q: ReceivedRequest) => (q.json as { delivery_id?: string }).delivery_id;

// A real SMTP server on 127.0.0.1 that keeps every raw message.
async function startSmtp(): Promise<{ port: number; raw: string[]; close(): Promise<void> }> {
  const raw: string[] = [];
  const server = new SMTPServer({
    logger: false,
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        raw.push(Buffer.concat(chunks).toString('utf8'));
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return { port, raw, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('every delivery carries one stable delivery id', () => {
  test('issue 13 case 11: a send cut by SIGKILL, a failed retry and the last try all carry the same id, ' +
    'in the header and the body', async () => {
    box.writeConfig(`notification:\n  channels:\n    - {type: webhook, url: "${hook.url}/hook", timeout: 30}\nmonitor:\n  retry_base: 1\n`);
    hook.respond((_, i) => (i === 0 ? { hang: true } : i === 1 ? { status: 500 } : { status: 200, body: {} }));
    box.writeMarker('dup1');
    const args = ['--once', '--work-dir', box.workDir, '--config', box.configPath];
    const first = box.startMonitor(args);
    await waitFor(() => hook.requests.length === 1);
    first.child.kill('SIGKILL');
    await first.done;
    await waitFor(async () => {
      await box.monitor(args);
      return box.trainFiles().length === 0;
    }, 30000, 300);
    expect(hook.requests).toHaveLength(3);
    const ids = hook.requests.map((q) => q.headers['idempotency-key']);
    expect(ids[0]).toMatch(/^hpc-run-[0-9a-f]{32}$/);
    expect(new Set(ids).size).toBe(1);
    expect(hook.requests.map(bodyId)).toEqual(ids);

    box.writeMarker('other1');
    await box.monitor(args);
    expect(hook.requests).toHaveLength(4);
    expect(hook.requests[3].headers['idempotency-key']).not.toBe(ids[0]);
  });

  test('an e-mail carries the delivery id as its Message-ID', async () => {
    const smtp = await startSmtp();
    try {
      box.writeConfig(`notification:
  channels:
    - {type: webhook, url: "${hook.url}/hook"}
    - {type: email, host: 127.0.0.1, port: ${smtp.port}, security: none, from: hpc@lab.example, to: alice@lab.example}
`);
      box.writeMarker('mail1');
      const result = await box.monitor(['--once', '--work-dir', box.workDir, '--config', box.configPath]);
      expect(result.code).toBe(0);
      expect(smtp.raw).toHaveLength(1);
      const id = bodyId(hook.requests[0]);
      expect(smtp.raw[0]).toMatch(new RegExp(`^Message-ID: <${id}@hpc-run>`, 'im'));
    } finally {
      await smtp.close();
    }
  });
});
