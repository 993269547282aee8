import { createHash } from 'node:crypto';
import { newId } from '@hookline/contracts';
import { isDuplicateKey } from '@hookline/runtime';
import type { Model } from 'mongoose';
import type { IdempotencyDoc } from './models';

/** A response worth replaying: its status and JSON body. */
export interface StoredResponse {
  status: number;
  body: unknown;
}

/** What claiming a key found: the caller's turn to publish `eventId`, or the first request's response. */
export type Claim =
  | { outcome: 'claimed'; eventId: string }
  | { outcome: 'replay'; response: StoredResponse }
  | { outcome: 'in_progress' }
  | { outcome: 'mismatch' };

export interface IdempotencyOptions {
  /** How long a repeat waits for the first request to finish before answering 409. */
  waitMs?: number;
  pollMs?: number;
  /** A `pending` claim older than this belongs to a request that died mid-way (process crash). */
  staleAfterMs?: number;
}

export function fingerprint(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('base64url');
}

const RELEASED = new Date(0);

/**
 * Idempotency keys on a unique _id rather than read-then-write: of N concurrent requests with one
 * key, exactly one insert succeeds and publishes; the others wait for its stored response. The record
 * keeps the event id from the first claim: a failed attempt releases the claim but not the id, and a
 * claim left by a crash is taken over (one conditional update, so only one request wins it), so
 * whatever an earlier attempt may have published, the retry publishes the same event again.
 */
export function idempotencyStore(model: Model<IdempotencyDoc>, options: IdempotencyOptions = {}) {
  const waitMs = options.waitMs ?? 3000;
  const pollMs = options.pollMs ?? 25;
  const staleAfterMs = options.staleAfterMs ?? 30_000;

  async function tryInsert(key: string, print: string, eventId: string): Promise<boolean> {
    try {
      const now = new Date();
      await model.create({ _id: key, state: 'pending', fingerprint: print, eventId, claimedAt: now, createdAt: now });
      return true;
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  }

  /** Takes over a pending claim whose attempt failed or died; false when another request got it first. */
  async function takeOver(doc: IdempotencyDoc, eventId: string): Promise<boolean> {
    const claimedAt = doc.claimedAt ?? doc.createdAt;
    // Records from before event ids were kept get one now; the condition makes the first taker's id stick.
    const result = await model.updateOne(
      { _id: doc._id, state: 'pending', ...(doc.claimedAt ? { claimedAt } : { claimedAt: { $exists: false } }) },
      { $set: { claimedAt: new Date(), eventId } },
    );
    return result.modifiedCount === 1;
  }

  return {
    /** `ownId` is the producer's own event id, if it sent one; otherwise an id is made here, once per key. */
    async claim(key: string, print: string, ownId?: string): Promise<Claim> {
      const deadline = Date.now() + waitMs;
      const fresh = ownId ?? newId('evt');
      for (;;) {
        if (await tryInsert(key, print, fresh)) return { outcome: 'claimed', eventId: fresh };
        const doc = await model.findById(key).lean();
        if (doc) {
          if (doc.fingerprint !== print) return { outcome: 'mismatch' };
          if (doc.state === 'done')
            return { outcome: 'replay', response: { status: doc.status ?? 200, body: doc.body } };
          const claimedAt = doc.claimedAt ?? doc.createdAt;
          if (claimedAt.getTime() < Date.now() - staleAfterMs) {
            const eventId = doc.eventId ?? fresh;
            if (await takeOver(doc, eventId)) return { outcome: 'claimed', eventId };
            continue;
          }
        }
        // doc === null: the record expired or was removed between our insert and read; loop to claim it.
        if (Date.now() >= deadline) return { outcome: 'in_progress' };
        if (doc) await new Promise((r) => setTimeout(r, pollMs));
      }
    },

    async complete(key: string, response: StoredResponse): Promise<void> {
      await model.updateOne({ _id: key }, { $set: { state: 'done', status: response.status, body: response.body } });
    },

    /**
     * The attempt failed (maybe only its confirm was lost): the next request with this key may take
     * over at once, and publishes the same event id.
     */
    async release(key: string): Promise<void> {
      await model.updateOne({ _id: key, state: 'pending' }, { $set: { claimedAt: RELEASED } });
    },
  };
}

export type IdempotencyStore = ReturnType<typeof idempotencyStore>;
