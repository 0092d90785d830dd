import { AsyncLocalStorage } from 'node:async_hooks';
import { HpcRunError } from '../common/errors.js';
import { describeNetworkError } from './network-error.js';
import { CHANNEL_TIMEOUT_S } from './settings.js';
import type { Delivery, DeliveryMeta } from './types.js';

// The delivery a request belongs to, set around a channel's send: every request it makes carries its id.
const currentDelivery = new AsyncLocalStorage<DeliveryMeta>();

/** Runs `send` with `meta` as the current delivery: its HTTP requests carry `Idempotency-Key: <deliveryId>`. */
export function withDelivery<T>(meta: DeliveryMeta, send: () => Promise<T>): Promise<T> {
  return currentDelivery.run(meta, send);
}

export { describeNetworkError } from './network-error.js';

/** One request: exactly one of `json`, `form` or `body`; `method` defaults to POST. */
export interface PostOptions {
  url: string;
  json?: unknown;
  form?: Record<string, string>;
  body?: string;
  headers?: Record<string, string>;
  /** Whole-request limit, default 10000. */
  timeoutMs?: number;
  /** Applied to every message this module builds (URLs may carry tokens). */
  redact?: (s: string) => string;
  /** POST unless a channel is configured otherwise (the webhook's `method`). */
  method?: 'POST' | 'PUT' | 'PATCH';
}

/** What the service answered, for any HTTP status. */
export interface HttpAnswer {
  status: number;
  body: string;
  /** The body parsed as JSON, or null. */
  json: unknown;
}

/** The request never got an HTTP answer: refused, timed out, unknown host, TLS failure … (message already redacted). */
export class NetworkError extends HpcRunError {
  constructor(message: string, cause?: unknown) {
    super('E_NETWORK', message, { cause });
  }
}

export const DEFAULT_TIMEOUT_MS = CHANNEL_TIMEOUT_S * 1000;

// Errors that mean the request most likely never reached the service, so one quick second try is safe.
const QUICK_RETRY_CODES = ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH'];

const identity = (s: string): string => s;

type GotModule = typeof import('got');
let gotModule: Promise<GotModule> | undefined;

// got is loaded on the first send only, so a pass without deliveries starts fast.
function loadGot(): Promise<GotModule> {
  gotModule ??= import('got');
  return gotModule;
}

/** Sends once (one quick retry for a refused or reset connection); resolves for any HTTP status. */
export async function postRequest(options: PostOptions): Promise<HttpAnswer> {
  const redact = options.redact ?? identity;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const { got } = await loadGot();
  // Each attempt's error as got saw it: Node 24.20+ may reject with a generic one that hides the refusal.
  const attempts: unknown[] = [];
  try {
    const response = await got(options.url, {
      method: options.method ?? 'POST',
      json: options.json,
      form: options.form,
      body: options.body,
      headers: { 'user-agent': 'hpc-run', ...idempotencyHeader(), ...options.headers },
      timeout: { request: timeoutMs },
      throwHttpErrors: false,
      followRedirect: false,
      responseType: 'text',
      retry: {
        limit: 1,
        methods: ['POST', 'PUT', 'PATCH'],
        statusCodes: [],
        errorCodes: QUICK_RETRY_CODES,
        calculateDelay: ({ computedValue, error }) => {
          attempts.push(error);
          return computedValue > 0 ? 200 : 0;
        },
      },
    });
    return { status: response.statusCode, body: response.body, json: parseJson(response.body) };
  } catch (error) {
    throw new NetworkError(redact(describeNetworkError(error, options.url, timeoutMs, attempts)), error);
  }
}

// The current delivery's id as the de-facto standard header for a retried POST.
function idempotencyHeader(): Record<string, string> {
  const meta = currentDelivery.getStore();
  return meta ? { 'idempotency-key': meta.deliveryId } : {};
}

// Parses a body as JSON, or null when it is not JSON.
function parseJson(body: string): unknown {
  if (!body) return null;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return null;
  }
}

// Whitespace collapsed and cut, so a whole HTML error page never lands in a log line.
export function shortBody(body: string, max = 200): string {
  const flat = body.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

/** Delivered only for HTTP 2xx and a passing `check`; 400/401/403/404 are not worth retrying. */
export function judgeAnswer(
  answer: HttpAnswer,
  check: (json: unknown, answer: HttpAnswer) => { ok: boolean; detail?: string; retryable?: boolean },
): Delivery {
  if (answer.status < 200 || answer.status > 299) {
    const body = shortBody(answer.body);
    return {
      ok: false,
      detail: body ? `HTTP ${answer.status}: ${body}` : `HTTP ${answer.status}`,
      retryable: ![400, 401, 403, 404].includes(answer.status),
    };
  }
  const verdict = check(answer.json, answer);
  if (verdict.ok) return { ok: true, detail: verdict.detail ?? 'delivered', retryable: false };
  return {
    ok: false,
    detail: `service said ${verdict.detail ?? (shortBody(answer.body) || 'nothing')}`,
    retryable: verdict.retryable ?? true,
  };
}

/** Runs a send; a NetworkError (any HpcRunError) becomes a failed Delivery; every detail is redacted; bugs rethrow, redacted. */
export async function deliverSafely(send: () => Promise<Delivery>, redact: (s: string) => string): Promise<Delivery> {
  try {
    const delivery = await send();
    return { ...delivery, detail: redact(delivery.detail) };
  } catch (error) {
    if (error instanceof HpcRunError) {
      return { ok: false, detail: redact(error.message), retryable: error.code !== 'E_CONFIG' };
    }
    if (error instanceof Error) {
      error.message = redact(error.message);
      if (error.stack) error.stack = redact(error.stack);
    }
    throw error;
  }
}
