import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { SubscriptionChange, SubscriptionRecord } from './subscription';

/**
 * The subscription change feed travels on RabbitMQ, where anyone with broker credentials could bind
 * a queue and read it. With management keys configured (`API_KEYS`, which every app of a deployment
 * already shares: the dispatcher reads the snapshot with the first one), the signing secrets in it are
 * sealed with AES-256-GCM under a key derived from a management key, and the rest of the record is the
 * authenticated data: a broker reader learns no secret, and a forged upsert (a URL of the forger's,
 * say) does not open, so the dispatcher drops it.
 *
 * Sealing rather than "the feed carries a version, the dispatcher fetches secrets": the feed stays
 * self-contained, so a subscription is usable by the dispatcher the moment its change arrives, with no
 * extra round trip racing the first event. Without keys (protected mode: one machine, loopback only)
 * the feed is plain, as the snapshot over loopback is.
 */
const PREFIX = 'sealed:v1:';

function keyOf(apiKey: string): Buffer {
  return Buffer.from(hkdfSync('sha256', apiKey, 'hookline', 'subscription-feed-v1', 32));
}

/**
 * What the seal binds the secrets to: every other field, so none can be changed on the way. Keys
 * sorted, so both ends agree whatever order they built the object in. (A field one end's schema does
 * not know yet, in a rolling upgrade, makes the change fail to open: the snapshot catches up.)
 */
function associated(record: SubscriptionRecord): Buffer {
  const { secret: _s, previousSecret: _p, ...rest } = record;
  return Buffer.from(canonical(rest));
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function seal(value: string, key: Buffer, aad: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(aad);
  const body = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
  return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
}

function open(value: string, key: Buffer, aad: Buffer): string | null {
  const raw = Buffer.from(value.slice(PREFIX.length), 'base64');
  if (raw.length < 28) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12)).setAAD(aad);
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}

/** The change as it goes on the feed: secrets sealed under the first key when there are keys. */
export function sealChange(change: SubscriptionChange, apiKeys: readonly string[]): SubscriptionChange {
  const apiKey = apiKeys[0];
  if (change.op !== 'upsert' || apiKey === undefined) return change;
  const sub = change.subscription;
  const key = keyOf(apiKey);
  const aad = associated(sub);
  return {
    op: 'upsert',
    subscription: {
      ...sub,
      secret: seal(sub.secret, key, aad),
      ...(sub.previousSecret ? { previousSecret: seal(sub.previousSecret, key, aad) } : {}),
    },
  };
}

/**
 * The change as a dispatcher may apply it, or null to drop it: with keys configured, an upsert must be
 * sealed under one of them (any, so keys can be rotated one deployment at a time).
 */
export function openChange(change: SubscriptionChange, apiKeys: readonly string[]): SubscriptionChange | null {
  if (change.op !== 'upsert' || apiKeys.length === 0) return change;
  const sub = change.subscription;
  if (!sub.secret.startsWith(PREFIX)) return null;
  const aad = associated(sub);
  for (const apiKey of apiKeys) {
    const key = keyOf(apiKey);
    const secret = open(sub.secret, key, aad);
    if (secret === null) continue;
    const previous = sub.previousSecret ? open(sub.previousSecret, key, aad) : null;
    if (sub.previousSecret && previous === null) return null;
    return {
      op: 'upsert',
      subscription: { ...sub, secret, ...(previous !== null ? { previousSecret: previous } : {}) },
    };
  }
  return null;
}
