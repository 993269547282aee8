import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import type { DeliveryTask, SubscriptionRecord } from '@hookline/contracts';
import { toWebhookPayload } from '@hookline/contracts';
import { runTransform } from '@hookline/rules';
import { signatureHeaders } from '@hookline/signing';
import { receiverTraceHeaders } from '@hookline/telemetry';
import axios, { type AxiosInstance, isAxiosError } from 'axios';
import axiosRetry from 'axios-retry';
import type { AttemptResult } from '../policy/outcome';
import { recordedHeaders } from './recorded-headers';
import { ForbiddenTargetError, refusedAddressReason } from './ssrf';

export const USER_AGENT = `Hookline/${process.env.npm_package_version ?? '0.1.0'}`;
const MAX_RESPONSE_BYTES = 64 * 1024;
const LOGGED_RESPONSE_BYTES = 4 * 1024;

export interface SentAttempt extends AttemptResult {
  durationMs: number;
  error: string | null;
  /** First 4 KB of the response body. */
  responseBody: string | null;
  /** As sent and as received (see recorded-headers): absent when nothing was sent or received. */
  requestHeaders?: Record<string, string>;
  responseHeaders?: Record<string, string>;
}

/** Sends one attempt of a delivery. An interface so tests and the worker can swap it. */
export interface Deliverer {
  send(sub: SubscriptionRecord, task: DeliveryTask, now?: Date): Promise<SentAttempt>;
}

/** Secrets that sign now: the current one, and the previous one during its rotation grace period. */
export function signingSecrets(sub: SubscriptionRecord, now: Date): string[] {
  const secrets = [sub.secret];
  if (sub.previousSecret && sub.previousSecretExpiresAt && Date.parse(sub.previousSecretExpiresAt) > now.getTime()) {
    secrets.push(sub.previousSecret);
  }
  return secrets;
}

/**
 * The SSRF guard sits in the agents' DNS lookup, so it checks the address actually connected to
 * (a name resolving to 127.0.0.1 is refused), not the URL text. Literal IPs skip DNS in Node and
 * are checked before the request.
 */
function guardedLookup(): LookupFunction {
  return ((hostname: string, options: object, callback: (...args: unknown[]) => void) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err);
      const list = addresses as LookupAddress[];
      for (const a of list) {
        const reason = refusedAddressReason(a.address);
        if (reason) return callback(new ForbiddenTargetError(`${hostname} resolves to a refused address: ${reason}`));
      }
      if ((options as { all?: boolean }).all) return callback(null, list);
      const first = list[0];
      return first ? callback(null, first.address, first.family) : callback(new Error(`no address for ${hostname}`));
    });
  }) as LookupFunction;
}

function errorText(err: unknown): string {
  if (err instanceof ForbiddenTargetError) return err.message;
  if (isAxiosError(err)) {
    const cause = (err.cause as Error | undefined) ?? err;
    if (cause instanceof ForbiddenTargetError) return cause.message;
    if (err.code === 'ECONNABORTED' || err.code === 'ETIMEDOUT') return 'timeout';
    if (err.code === 'ECONNREFUSED') return 'connection refused';
    return err.code ? `${err.code}: ${err.message}` : err.message;
  }
  return (err as Error)?.message ?? String(err);
}

/**
 * The first 4 KB of the response body. Receivers are untrusted: at most 64 KB is read, then the
 * connection's rest is dropped. Plain stream events rather than `for await`, which costs an async
 * iterator and a promise per chunk on every delivery.
 */
function readCapped(stream: NodeJS.ReadableStream & { destroy(): void }, msLeft: number): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    // axios's timeout ends when the headers arrive; a receiver that then stalls mid-body must not
    // hold the attempt (and its subscription's slot) past DELIVERY_TIMEOUT_MS either.
    const timer = setTimeout(() => {
      stream.destroy();
      finish();
    }, msLeft);
    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).subarray(0, LOGGED_RESPONSE_BYTES).toString('utf8'));
    };
    stream.on('data', (chunk: Buffer) => {
      if (settled) return;
      if (size < LOGGED_RESPONSE_BYTES) chunks.push(chunk);
      size += chunk.length;
      if (size >= MAX_RESPONSE_BYTES) {
        stream.destroy();
        finish();
      }
    });
    stream.on('end', finish);
    stream.on('close', finish);
    // A reset mid-body still leaves an answer: what was read, with the status already received.
    stream.on('error', finish);
  });
}

export class HttpDeliverer implements Deliverer {
  private readonly client: AxiosInstance;

  constructor(private readonly options: { timeoutMs: number; allowPrivateTargets: boolean }) {
    const lookup = options.allowPrivateTargets ? undefined : guardedLookup();
    // axios sets keep-alive with a 60 s probe delay on every request's socket and the agent resets it to
    // keepAliveMsecs whenever the socket goes back to the pool: with the two equal, Node skips the four
    // setsockopt calls each change costs per request.
    const agentOptions = { keepAlive: true, keepAliveMsecs: 60_000, maxSockets: 256, ...(lookup ? { lookup } : {}) };
    this.client = axios.create({
      timeout: options.timeoutMs,
      maxRedirects: 0,
      // No HTTP(S)_PROXY from the environment: through a proxy the SSRF guard would vet the proxy's
      // address instead of the receiver's (and axios would read the environment on every request).
      proxy: false,
      responseType: 'stream',
      validateStatus: () => true,
      decompress: true,
      httpAgent: new http.Agent(agentOptions),
      httpsAgent: new https.Agent(agentOptions),
      // The body is a string we signed; axios must send it byte for byte.
      transformRequest: [(data: unknown) => data],
    });
    // Immediate retries for connection-level failures only (refused, reset), at most 2, inside this
    // one attempt. Timeouts and HTTP statuses are the retry queues' job: a timed-out request may
    // have been processed, and the schedule spaces retries out.
    axiosRetry(this.client, {
      retries: 2,
      retryDelay: () => 50,
      shouldResetTimeout: false,
      retryCondition: (err) =>
        !err.response && ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'EAI_AGAIN'].includes(err.code ?? ''),
    });
  }

  async send(sub: SubscriptionRecord, task: DeliveryTask, now = new Date()): Promise<SentAttempt> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    let body: string;
    if (sub.transform) {
      // The signature covers what is sent: the transformed body. A transformation that fails would
      // fail the same way on every retry, so the delivery fails now with the reason (a replay after
      // the subscription is fixed starts over).
      const transformed = await runTransform(sub.transform, task.event);
      if (!transformed.ok) {
        const error = `transformation failed: ${transformed.error.message}`;
        return { status: null, nonRetryableError: error, error, durationMs: elapsed(), responseBody: null };
      }
      body = transformed.body;
    } else body = JSON.stringify(toWebhookPayload(task.event));
    if (!this.options.allowPrivateTargets) {
      const reason = refusedAddressReason(new URL(sub.url).hostname.replace(/^\[|\]$/g, ''));
      if (reason) return { status: null, nonRetryableError: reason, error: reason, durationMs: 0, responseBody: null };
    }
    let headers: Record<string, string> | undefined;
    try {
      headers = {
        ...receiverTraceHeaders(),
        // The subscription's own headers first: validation refuses the names set below anyway.
        ...sub.headers,
        ...signatureHeaders(signingSecrets(sub, now), task.id, body, now),
        'content-type': 'application/json',
        'user-agent': USER_AGENT,
      };
      const res = await this.client.post(sub.url, body, { headers });
      const responseBody = await readCapped(res.data, Math.max(0, this.options.timeoutMs - elapsed()));
      return {
        status: res.status,
        retryAfter: res.headers['retry-after'] as string | undefined,
        deliveryControl: res.headers['webhook-delivery'] as string | undefined,
        durationMs: elapsed(),
        error: res.status >= 200 && res.status < 300 ? null : `HTTP ${res.status}`,
        responseBody,
        requestHeaders: recordedHeaders(headers),
        responseHeaders: recordedHeaders(res.headers as Record<string, unknown>),
      };
    } catch (err) {
      const forbidden =
        err instanceof ForbiddenTargetError || (isAxiosError(err) && err.cause instanceof ForbiddenTargetError);
      const error = errorText(err);
      return {
        status: null,
        error,
        durationMs: elapsed(),
        responseBody: null,
        ...(headers ? { requestHeaders: recordedHeaders(headers) } : {}),
        ...(forbidden ? { nonRetryableError: error } : {}),
      };
    }
  }
}
