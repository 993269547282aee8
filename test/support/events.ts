import type { ReceivedRequest } from '@hookline/testing';
import { call, parseBody, pool } from './http';

/** What the receiver got, per photo id (the event key the tests use). */
export interface DeliveryTally {
  distinct: number;
  total: number;
  duplicates: number;
  /** Photo ids whose copies did not all carry the same webhook-id. */
  idMismatches: string[];
}

export function tally(requests: readonly ReceivedRequest[]): DeliveryTally {
  const ids = new Map<string, Set<string>>();
  for (const r of requests) {
    const key = String((parseBody(r).data as { photoId?: string }).photoId);
    const set = ids.get(key) ?? new Set<string>();
    set.add(String(r.headers['webhook-id']));
    ids.set(key, set);
  }
  return {
    distinct: ids.size,
    total: requests.length,
    duplicates: requests.length - ids.size,
    idMismatches: [...ids].filter(([, s]) => s.size !== 1).map(([k]) => k),
  };
}

export function photoIds(requests: readonly ReceivedRequest[]): Set<string> {
  return new Set(requests.map((r) => String((parseBody(r).data as { photoId?: string }).photoId)));
}

export interface LikeOutcome {
  photoId: string;
  /** Every status answered, in order (0 = no HTTP answer). */
  statuses: number[];
  accepted: boolean;
}

/**
 * `GET /like/<prefix><i>` for i < count with bounded concurrency, as a careful client does: a 503
 * (not accepted) or a failed connection is retried until a 2xx, up to `deadlineMs`.
 */
export function publishLikes(
  photoApp: string,
  prefix: string,
  count: number,
  options: { concurrency?: number; retry?: boolean; deadlineMs?: number; onAccepted?: () => void } = {},
): Promise<LikeOutcome[]> {
  const deadline = Date.now() + (options.deadlineMs ?? 120_000);
  return pool(count, options.concurrency ?? 50, async (i) => {
    const photoId = `${prefix}${i}`;
    const statuses: number[] = [];
    for (;;) {
      let status = 0;
      try {
        status = (await call('GET', `${photoApp}/like/${photoId}`, undefined, { timeoutMs: 10_000 })).status;
      } catch {
        status = 0;
      }
      statuses.push(status);
      if (status >= 200 && status < 300) {
        options.onAccepted?.();
        return { photoId, statuses, accepted: true };
      }
      if (!options.retry || Date.now() > deadline || (status !== 503 && status !== 0))
        return { photoId, statuses, accepted: false };
      await new Promise((r) => setTimeout(r, 100));
    }
  });
}

export function histogram(values: readonly number[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[String(v)] = (out[String(v)] ?? 0) + 1;
  return out;
}
