import type { DeliveryTask, SubscriptionRecord } from '@hookline/contracts';
import { toWebhookPayload } from '@hookline/contracts';
import { runTransform } from '@hookline/rules';
import { signatureHeaders } from '@hookline/signing';
import { receiverTraceHeaders } from '@hookline/telemetry';
import axios, { type AxiosInstance, type CreateAxiosDefaults, isAxiosError } from 'axios';
import axiosRetry from 'axios-retry';
import type { AttemptResult } from '../policy/outcome';
import { pooledHttpAdapter, SendHeaders } from './pooled-adapter';
import { recordedHeaders } from './recorded-headers';
import { ForbiddenTargetError } from './ssrf';

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
  /**
   * The body as sent, kept only when a transformation made it (otherwise it is the event's payload,
   * which the delivery holds already); its first RECORDED_BODY_BYTES.
   */
  requestBody?: string;
}

/** How much of a transformed body an attempt keeps: enough to read, not 256 KB per attempt. */
export const RECORDED_BODY_BYTES = 16 * 1024;

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

export class HttpDeliverer implements Deliverer {
  private readonly client: AxiosInstance;

  constructor(options: { timeoutMs: number; allowPrivateTargets: boolean }) {
    const adapter = pooledHttpAdapter({
      allowPrivateTargets: options.allowPrivateTargets,
      maxResponseBytes: MAX_RESPONSE_BYTES,
      keptResponseBytes: LOGGED_RESPONSE_BYTES,
    });
    const defaults: CreateAxiosDefaults = {
      adapter,
      timeout: options.timeoutMs,
      // Every status is an answer for decideOutcome to judge, 3xx included: redirects are not followed.
      validateStatus: () => true,
      // The body is a string we signed; axios must send it byte for byte, and the answer's body is
      // kept as text for the attempt log, never parsed.
      transformRequest: [(data: unknown) => data],
      transformResponse: [],
    };
    this.client = axios.create(defaults);
    // Every request merges the instance's defaults into its config, and axios.create adds the
    // library's whole set (transitional flags, XSRF names, size limits, a header tree per method)
    // that this adapter never reads: the instance keeps only what is set above.
    const own = this.client.defaults as unknown as Record<string, unknown>;
    for (const key of Object.keys(own)) if (!(key in defaults)) delete own[key];
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
    const sentBody = sub.transform ? { requestBody: truncateUtf8(body, RECORDED_BODY_BYTES) } : {};
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
      // request(), not post(): axios's post() merges its arguments into a config first, a second
      // full config merge per request on top of the one request() does anyway.
      const res = await this.client.request({
        method: 'post',
        url: sub.url,
        data: body,
        sendHeaders: new SendHeaders(headers),
      });
      return {
        status: res.status,
        retryAfter: res.headers['retry-after'] as string | undefined,
        deliveryControl: res.headers['webhook-delivery'] as string | undefined,
        durationMs: elapsed(),
        error: res.status >= 200 && res.status < 300 ? null : `HTTP ${res.status}`,
        responseBody: res.data as string,
        requestHeaders: recordedHeaders(headers),
        responseHeaders: recordedHeaders(res.headers as Record<string, unknown>),
        ...sentBody,
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
        ...(headers ? { requestHeaders: recordedHeaders(headers), ...sentBody } : {}),
        ...(forbidden ? { nonRetryableError: error } : {}),
      };
    }
  }
}

/** The longest prefix of `text` within `bytes` bytes of UTF-8, never cutting a character in two. */
function truncateUtf8(text: string, bytes: number): string {
  if (Buffer.byteLength(text) <= bytes) return text;
  const cut = Buffer.from(text).subarray(0, bytes).toString('utf8');
  // A character cut in two decodes as U+FFFD at the end: drop it.
  return cut.endsWith('\uFFFD') ? cut.slice(0, -1) : cut;
}
