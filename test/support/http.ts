import type { IncomingHttpHeaders } from 'node:http';
import type { ReceivedRequest } from '@hookline/testing';
import { Webhook } from 'standardwebhooks';

// biome-ignore lint/suspicious/noExplicitAny: the apps' JSON answers, checked field by field by the assertions
export interface HttpAnswer<T = any> {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed JSON body (undefined when it is not JSON). */
  body: T;
}

/** One HTTP request as a user would send it; a JSON `body` is sent as application/json. */
// biome-ignore lint/suspicious/noExplicitAny: as above
export async function call<T = any>(
  method: string,
  url: string,
  body?: unknown,
  init: { headers?: Record<string, string>; timeoutMs?: number; raw?: string } = {},
): Promise<HttpAnswer<T>> {
  const headers: Record<string, string> = { ...(init.headers ?? {}) };
  let payload: string | undefined = init.raw;
  if (body !== undefined) {
    payload = JSON.stringify(body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(url, {
    method,
    headers,
    body: payload,
    signal: AbortSignal.timeout(init.timeoutMs ?? 15_000),
  });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, text, body: parsed as T };
}

/** Standard Webhooks verification with the reference npm package; returns the parsed payload. */
export function verifySignature(secret: string, req: ReceivedRequest): unknown {
  return new Webhook(secret).verify(req.body, flatHeaders(req.headers));
}

export function flatHeaders(h: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

/**
 * Runs `count` jobs with at most `concurrency` at once; `job(i)` must settle. Resolves with the
 * results in order.
 */
export async function pool<T>(count: number, concurrency: number, job: (i: number) => Promise<T>): Promise<T[]> {
  const results = new Array<T>(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      results[i] = await job(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return results;
}

/** The parsed JSON body of a delivery. */
// biome-ignore lint/suspicious/noExplicitAny: a delivery's data is any JSON
export function parseBody<T = { type: string; timestamp: string; data: any }>(r: ReceivedRequest): T {
  return JSON.parse(r.body) as T;
}
