import { createEnvelope, newId, type SubscriptionRecord } from '@hookline/contracts';
import { type Deliverer, HttpDeliverer } from '@hookline/dispatcher';
import type { PingResult } from './schemas';

export const PING_TIMEOUT_MS = 5000;
// Pings run concurrently, but not thousands at once: beyond this many they queue.
export const PING_CONCURRENCY = 50;
export const DEFAULT_PING_DATA = { message: 'ping from Hookline' };

export interface PingTarget {
  event: string;
  /** The subscription as the dispatchers see it: its URL and the secrets that sign now. */
  record: SubscriptionRecord;
}

/**
 * Pings go through the dispatcher's sender, the one every webhook leaves by: the same signature,
 * user-agent and SSRF guard on the address actually connected to, no proxy from the environment.
 * Without it, a subscription to a name resolving to 169.254.169.254 echoed the metadata service's
 * answer back in `payload_response`.
 */
export function pingSender(allowPrivateTargets: boolean): Deliverer {
  return new HttpDeliverer({ timeoutMs: PING_TIMEOUT_MS, allowPrivateTargets });
}

type Outcome =
  | { ok: true; event: string; url: string; payload_response: unknown; status_code: number }
  | { ok: false; event: string; url: string; error: string; status_code: number | null };

/** What a `/ping` caller reads in `error`: short words for the usual network failures. */
export function describeError(error: string): string {
  if (error === 'connection refused') return 'Connection refused';
  if (error === 'timeout') return 'Timeout';
  if (/^(ENOTFOUND|EAI_AGAIN)\b/.test(error)) return 'Host not found';
  if (/^(ECONNRESET|EPIPE)\b/.test(error)) return 'Connection reset';
  return error || 'Request failed';
}

function parseResponse(text: string): unknown {
  if (text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

async function pingOne(sender: Deliverer, target: PingTarget, data: unknown): Promise<Outcome> {
  const { event } = target;
  const { url } = target.record;
  const envelope = createEnvelope(event, data);
  const sent = await sender.send(target.record, {
    id: newId('msg'),
    eventId: envelope.id,
    subscriptionId: target.record.id,
    attempt: 1,
    round: 0,
    parked: 0,
    event: envelope,
  });
  if (sent.status !== null && sent.status >= 200 && sent.status < 300) {
    return { ok: true, event, url, payload_response: parseResponse(sent.responseBody ?? ''), status_code: sent.status };
  }
  if (sent.status !== null) return { ok: false, event, url, error: `HTTP ${sent.status}`, status_code: sent.status };
  return { ok: false, event, url, error: describeError(sent.error ?? ''), status_code: null };
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

/** `/ping`: one signed test delivery per target, all concurrently, then the tally. */
export async function pingAll(sender: Deliverer, targets: readonly PingTarget[], data: unknown): Promise<PingResult> {
  const outcomes = await mapLimited(targets, PING_CONCURRENCY, (t) => pingOne(sender, t, data));
  const successful = outcomes.flatMap((o) =>
    o.ok ? [{ event: o.event, url: o.url, payload_response: o.payload_response, status_code: o.status_code }] : [],
  );
  const failed = outcomes.flatMap((o) =>
    o.ok ? [] : [{ event: o.event, url: o.url, error: o.error, status_code: o.status_code }],
  );
  return {
    // The original wording when nothing failed; a caller matching on it is told the truth otherwise.
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
