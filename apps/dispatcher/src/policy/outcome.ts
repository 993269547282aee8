/**
 * THE decision of what happens after an attempt: one pure function of the attempt's result, the
 * attempt number, the schedule and the clock. Everything else only carries the decision out.
 *
 * - 2xx: delivered.
 * - 410 Gone: the receiver wants no more: disable the subscription.
 * - `webhook-delivery: abort-message`: stop retrying this delivery; `webhook-delivery: disable`:
 *   disable the subscription (Svix Cloud's receiver controls).
 * - A refusal by the SSRF guard: failed at once, retrying cannot help.
 * - 429, 502, 503, 504: retry, honouring `Retry-After` clamped to [delay, 2 x delay].
 * - Anything else (other statuses, 3xx since redirects are not followed, timeouts, network errors):
 *   retry on the schedule, with jitter.
 * - No delay left in the schedule: failed (dead-lettered).
 */
export interface AttemptResult {
  /** HTTP status, or null when no response arrived (timeout, refused, DNS...). */
  status: number | null;
  /** Raw `Retry-After` header, if any. */
  retryAfter?: string | undefined;
  /** Raw `webhook-delivery` response header, if any. */
  deliveryControl?: string | undefined;
  /** Set when the attempt was refused before any request (e.g. SSRF guard). */
  nonRetryableError?: string | undefined;
}

export type Outcome =
  | { kind: 'delivered' }
  | { kind: 'retry'; delayMs: number }
  | { kind: 'failed'; reason: string }
  | { kind: 'disable'; reason: string };

export interface PolicyInput {
  result: AttemptResult;
  /** 1-indexed: the first try is attempt 1. */
  attempt: number;
  /** Delays between attempts in ms; the schedule is 0-indexed: after attempt n comes schedule[n-1]. */
  scheduleMs: readonly number[];
  now: Date;
  /** A number in [0, 1); injected so tests are deterministic. */
  random: () => number;
}

const THROTTLED = new Set([429, 502, 503, 504]);
const JITTER = 0.2;

/** `Retry-After` in ms from seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: Date): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now.getTime());
}

export function decideOutcome({ result, attempt, scheduleMs, now, random }: PolicyInput): Outcome {
  const control = result.deliveryControl?.trim().toLowerCase();
  if (control === 'disable')
    return { kind: 'disable', reason: 'the receiver asked to be disabled (webhook-delivery: disable)' };
  const { status } = result;
  if (status !== null && status >= 200 && status < 300) return { kind: 'delivered' };
  if (status === 410) return { kind: 'disable', reason: 'the receiver answered 410 Gone' };
  if (control === 'abort-message')
    return { kind: 'failed', reason: 'the receiver aborted retries (webhook-delivery: abort-message)' };
  if (result.nonRetryableError) return { kind: 'failed', reason: result.nonRetryableError };

  const delay = scheduleMs[attempt - 1];
  if (delay === undefined) return { kind: 'failed', reason: `gave up after ${attempt} attempts` };

  if (status !== null && THROTTLED.has(status)) {
    const asked = parseRetryAfter(result.retryAfter, now);
    if (asked !== undefined) return { kind: 'retry', delayMs: Math.min(Math.max(asked, delay), 2 * delay) };
  }
  // Each delay times a random factor in [0.8, 1.2], as Svix does, so receivers recovering from an
  // outage are not hit by every retry at the same instant.
  const factor = 1 - JITTER + 2 * JITTER * random();
  return { kind: 'retry', delayMs: Math.round(delay * factor) };
}
