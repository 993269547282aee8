import { newId } from '@hookline/contracts';
import { signatureHeaders } from '@hookline/signing';
import axios, { type AxiosError } from 'axios';
import type { PingResult } from './schemas';

export const PING_TIMEOUT_MS = 5000;
// Pings run concurrently, but not thousands at once: beyond this many they queue.
export const PING_CONCURRENCY = 50;
// A receiver's answer is echoed back to the caller; a huge one is cut (and reported as text).
const RESPONSE_MAX_BYTES = 64 * 1024;
export const DEFAULT_PING_DATA = { message: 'ping from Hookline' };

export interface PingTarget {
  event: string;
  url: string;
  secrets: string[];
}

type Outcome =
  | { ok: true; event: string; url: string; payload_response: unknown; status_code: number }
  | { ok: false; event: string; url: string; error: string; status_code: number | null };

/** What the seed-003 caller reads in `error`: short words for the usual network failures. */
export function describeError(err: unknown): string {
  const e = err as AxiosError & { cause?: { code?: string } };
  const code = e.code ?? e.cause?.code;
  switch (code) {
    case 'ECONNREFUSED':
      return 'Connection refused';
    case 'ECONNABORTED':
    case 'ETIMEDOUT':
    case 'ERR_CANCELED':
      return 'Timeout';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'Host not found';
    case 'ECONNRESET':
    case 'EPIPE':
      return 'Connection reset';
    case 'ERR_FR_MAX_BODY_LENGTH_EXCEEDED':
      return 'Response too large';
    default:
      return e.message || 'Request failed';
  }
}

function parseResponse(text: string): unknown {
  if (text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

async function pingOne(target: PingTarget, data: unknown): Promise<Outcome> {
  const body = JSON.stringify({ type: target.event, timestamp: new Date().toISOString(), data });
  const { event, url } = target;
  try {
    const res = await axios.post<string>(url, body, {
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Hookline-Ping/0.1',
        ...signatureHeaders(target.secrets, newId('msg'), body),
      },
      // Standard Webhooks: a redirect is a failure, not something to follow.
      maxRedirects: 0,
      timeout: PING_TIMEOUT_MS,
      // axios' timeout is an idle timeout; the signal bounds the whole exchange.
      signal: AbortSignal.timeout(PING_TIMEOUT_MS),
      responseType: 'text',
      transformResponse: (raw: string) => raw,
      maxContentLength: RESPONSE_MAX_BYTES,
      validateStatus: () => true,
    });
    const text = typeof res.data === 'string' ? res.data : String(res.data ?? '');
    if (res.status >= 200 && res.status < 300) {
      return { ok: true, event, url, payload_response: parseResponse(text), status_code: res.status };
    }
    return { ok: false, event, url, error: `HTTP ${res.status}`, status_code: res.status };
  } catch (err) {
    return { ok: false, event, url, error: describeError(err), status_code: null };
  }
}

/** Runs `fn` over `items` with at most `limit` in flight, keeping the input order in the output. */
async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Seed 003's `/ping`: one signed test delivery per target, all concurrently, then the tally. */
export async function pingAll(targets: readonly PingTarget[], data: unknown): Promise<PingResult> {
  const outcomes = await mapLimited(targets, PING_CONCURRENCY, (t) => pingOne(t, data));
  const successful = outcomes.flatMap((o) =>
    o.ok ? [{ event: o.event, url: o.url, payload_response: o.payload_response, status_code: o.status_code }] : [],
  );
  const failed = outcomes.flatMap((o) =>
    o.ok ? [] : [{ event: o.event, url: o.url, error: o.error, status_code: o.status_code }],
  );
  return {
    // Seed 003's wording when nothing failed; a caller matching on it is told the truth otherwise.
    message:
      failed.length === 0
        ? 'Pinged all registered webhooks successfully.'
        : `Pinged all registered webhooks; ${failed.length} of ${outcomes.length} failed.`,
    successful_webhooks_count: successful.length,
    successful_webhooks: successful,
    failed_webhooks_count: failed.length,
    failed_webhooks: failed,
  };
}
