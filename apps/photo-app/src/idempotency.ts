import { createHash } from 'node:crypto';
import type { Model } from 'mongoose';
import { type IdempotencyDoc, isDuplicateKey } from './models';

/** A response worth replaying: its status and JSON body. */
export interface StoredResponse {
  status: number;
  body: unknown;
}

/** What claiming a key found: the caller's turn to do the work, or the first request's response. */
export type Claim =
  | { outcome: 'claimed' }
  | { outcome: 'replay'; response: StoredResponse }
  | { outcome: 'in_progress' }
  | { outcome: 'mismatch' };

export interface IdempotencyOptions {
  /** How long a repeat waits for the first request to finish before answering 409. */
  waitMs?: number;
  pollMs?: number;
  /** A `pending` record older than this belongs to a request that died mid-way (process crash). */
  staleAfterMs?: number;
}

export function fingerprint(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('base64url');
}

/**
 * Idempotency keys on a unique _id rather than read-then-write: of N concurrent requests with one
 * key, exactly one insert succeeds and does the work; the others wait for its stored response. A
 * failed first request deletes its record, so a waiter (or a later retry) claims the key anew.
 */
export function idempotencyStore(model: Model<IdempotencyDoc>, options: IdempotencyOptions = {}) {
  const waitMs = options.waitMs ?? 3000;
  const pollMs = options.pollMs ?? 25;
  const staleAfterMs = options.staleAfterMs ?? 30_000;

  async function tryInsert(key: string, print: string): Promise<boolean> {
    try {
      await model.create({ _id: key, state: 'pending', fingerprint: print, createdAt: new Date() });
      return true;
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  }

  return {
    async claim(key: string, print: string): Promise<Claim> {
      const deadline = Date.now() + waitMs;
      for (;;) {
        if (await tryInsert(key, print)) return { outcome: 'claimed' };
        const doc = await model.findById(key).lean();
        if (doc) {
          if (doc.fingerprint !== print) return { outcome: 'mismatch' };
          if (doc.state === 'done')
            return { outcome: 'replay', response: { status: doc.status ?? 200, body: doc.body } };
          if (doc.createdAt.getTime() < Date.now() - staleAfterMs) {
            // Only a record still stale is removed, so a fresh claim by another request is never undone.
            await model.deleteOne({ _id: key, state: 'pending', createdAt: doc.createdAt });
            continue;
          }
        }
        // doc === null: the first request failed and released the key; loop to claim it ourselves.
        if (Date.now() >= deadline) return { outcome: 'in_progress' };
        if (doc) await new Promise((r) => setTimeout(r, pollMs));
      }
    },

    async complete(key: string, response: StoredResponse): Promise<void> {
      await model.updateOne({ _id: key }, { $set: { state: 'done', status: response.status, body: response.body } });
    },

    /** The work failed: forget the key so a retry can do it. */
    async release(key: string): Promise<void> {
      await model.deleteOne({ _id: key, state: 'pending' });
    },
  };
}

export type IdempotencyStore = ReturnType<typeof idempotencyStore>;
