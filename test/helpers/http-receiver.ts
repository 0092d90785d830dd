import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One request as the receiver saw it. */
export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  json: unknown;
}

/** What to answer: a status and body, a hang (client times out), or a dropped connection. */
export type Answer =
  | { status: number; body?: unknown; headers?: Record<string, string>; delayMs?: number }
  | { hang: true }
  | { destroy: true };

export type Responder = (request: ReceivedRequest, index: number) => Answer;

/** A real HTTP server on 127.0.0.1 with a free port, recording every request and answering as told. */
export interface Receiver {
  url: string;
  port: number;
  requests: ReceivedRequest[];
  respond(responder: Responder): void;
  close(): Promise<void>;
}

export async function startReceiver(responder: Responder = () => ({ status: 200, body: { code: 0 } })): Promise<Receiver> {
  let answer = responder;
  const requests: ReceivedRequest[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      try {
        json = body ? JSON.parse(body) : null;
      } catch {
        json = null;
      }
      const request: ReceivedRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, json };
      requests.push(request);
      reply(res, answer(request, requests.length - 1));
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    respond: (r) => {
      answer = r;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function reply(res: ServerResponse, answer: Answer): void {
  if ('hang' in answer) return;
  if ('destroy' in answer) {
    res.socket?.destroy();
    return;
  }
  if (answer.delayMs) {
    setTimeout(() => reply(res, { ...answer, delayMs: 0 }), answer.delayMs);
    return;
  }
  const body = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body ?? {});
  res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
  res.end(body);
}

/** A port on 127.0.0.1 that nothing listens on (for connection-refused cases). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * One receiver for a test file: started before all tests, closed after them, and before each test emptied of
 * recorded requests and set to answer with `answer`. The returned object always refers to that receiver.
 */
export function useReceiver(answer: Responder = () => ({ status: 200, body: { code: 0 } })): Receiver {
  let current: Receiver | null = null;
  beforeAll(async () => {
    current = await startReceiver(answer);
  });
  afterAll(async () => {
    await current?.close();
  });
  beforeEach(() => {
    current?.requests.splice(0);
    current?.respond(answer);
  });
  return new Proxy({} as Receiver, {
    get: (_target, key) => {
      if (current === null) throw new Error('useReceiver: the receiver is used before beforeAll ran');
      return current[key as keyof Receiver];
    },
  });
}
