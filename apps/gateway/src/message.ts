import type { IncomingHttpHeaders } from 'node:http';
import { createEnvelope, type EventEnvelope, type StationOrigin, stationEventType } from '@hookline/contracts';

/** The body kinds a station takes (Memphis: text, JSON, protobuf); anything else is a 415. */
export type BodyKind = 'json' | 'text' | 'protobuf';

export function bodyKind(contentType: string | undefined): BodyKind | undefined {
  const mime = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (mime === 'application/json') return 'json';
  if (mime.startsWith('text/')) return 'text';
  if (mime === 'application/x-protobuf' || mime === 'application/protobuf') return 'protobuf';
  return undefined;
}

// Hop-by-hop headers (RFC 9110 7.6.1) describe one connection, not the message; the credentials are
// the sender's access to the gateway and must never reach a consumer; content-length describes
// the framing of this request.
const DROPPED = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'trailers',
  'transfer-encoding',
  'upgrade',
  'content-length',
  'authorization',
  'proxy-authorization',
  'proxy-authenticate',
  'cookie',
]);

/** The request headers a message keeps. */
export function messageHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const named = new Set(
    String(headers.connection ?? '')
      .split(',')
      .map((h) => h.trim().toLowerCase())
      .filter(Boolean),
  );
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || DROPPED.has(name) || named.has(name)) continue;
    kept[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return kept;
}

/** What a non-JSON body becomes as an event's `data` (subscribers get it through the dispatcher). */
export interface EncodedBody {
  content_type: string;
  encoding: 'base64';
  body: string;
}

export function parseJsonBody(body: Buffer): { ok: true; value: unknown } | { ok: false; reason: string } {
  try {
    return { ok: true, value: JSON.parse(body.toString('utf8')) };
  } catch (err) {
    return { ok: false, reason: (err as Error).message };
  }
}

/** A station message ready to publish: the event data and the raw request for pull consumers. */
export interface StationMessage {
  data: unknown;
  origin: StationOrigin;
}

/**
 * JSON bodies become `data` as parsed; any other body becomes
 * `{content_type, encoding: "base64", body}`. `origin` keeps the raw request byte for byte.
 */
export function stationMessage(
  kind: BodyKind,
  contentType: string,
  body: Buffer,
  headers: Record<string, string>,
  parsedJson?: unknown,
): StationMessage {
  const bodyBase64 = body.toString('base64');
  const data: unknown =
    kind === 'json'
      ? parsedJson
      : ({ content_type: contentType, encoding: 'base64', body: bodyBase64 } satisfies EncodedBody);
  return { data, origin: { contentType, headers, bodyBase64 } };
}

export function stationEnvelope(station: string, message: StationMessage, now = new Date()): EventEnvelope {
  return { ...createEnvelope(stationEventType(station), message.data, now), station: message.origin };
}

/** What a pull consumer receives per message (Memphis `consume/batch` shape). */
export interface PulledMessage {
  message: string;
  headers: Record<string, string>;
}

/**
 * Text and JSON bodies are returned as UTF-8 strings, anything else (protobuf) as base64. An event
 * that did not come through the gateway (no `station` origin, e.g. `POST /events` with a station
 * type) is returned as its `data` in JSON.
 */
export function pulledMessage(content: Buffer): PulledMessage {
  let envelope: Partial<EventEnvelope>;
  try {
    envelope = JSON.parse(content.toString('utf8')) as Partial<EventEnvelope>;
  } catch {
    return { message: content.toString('base64'), headers: {} };
  }
  const origin = envelope.station;
  if (!origin || typeof origin.bodyBase64 !== 'string') {
    return { message: JSON.stringify(envelope.data ?? null), headers: {} };
  }
  const kind = bodyKind(origin.contentType);
  const raw = Buffer.from(origin.bodyBase64, 'base64');
  return {
    message: kind === 'json' || kind === 'text' ? raw.toString('utf8') : origin.bodyBase64,
    headers: origin.headers ?? {},
  };
}
