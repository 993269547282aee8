import { subscriptionRecordSchema } from '@hookline/contracts';
import { defineRoute } from '@hookline/http';
import type { Response } from 'express';
import type { AppContext } from '../context';
import { snapshotRecords } from '../snapshot';

// Lines are gathered into chunks of about this size: one write per line would cost a syscall each.
const CHUNK_BYTES = 64 * 1024;

/**
 * `GET /subscription/snapshot`: every subscription (enabled or not, secrets included) as NDJSON, one
 * SubscriptionRecord per line, streamed from a cursor so memory stays flat at any size. A dispatcher
 * loads it at start and periodically; it must be registered before `/subscription/:id`.
 * A failure mid-stream destroys the connection, so a client never mistakes a cut stream for a whole one.
 */
export function registerSnapshotRoute(ctx: AppContext): void {
  defineRoute(ctx, {
    access: ctx.access.management,
    method: 'get',
    path: '/subscription/snapshot',
    summary: 'Every subscription as NDJSON (secrets included): the dispatchers load it at start',
    tags: ['subscriptions'],
    responses: {
      200: {
        description: 'one SubscriptionRecord per line',
        schema: subscriptionRecordSchema,
        contentType: 'application/x-ndjson',
      },
    },
    async handler(_input, req, res) {
      let aborted = false;
      const onClose = () => {
        aborted = true;
      };
      res.on('close', onClose);
      let started = false;
      try {
        let chunk = '';
        for await (const record of snapshotRecords(ctx.store, () => aborted)) {
          chunk += `${JSON.stringify(record)}\n`;
          if (chunk.length >= CHUNK_BYTES) {
            if (!started) start();
            if (!res.write(chunk)) await drained(res);
            chunk = '';
          }
        }
        if (aborted) return;
        if (!started) start();
        res.end(chunk);
      } catch (err) {
        // Before the first byte the error handler can still answer 503/500 in the project's shape.
        if (!started) throw err;
        ctx.logger.error({ err, path: req.path }, 'subscription.snapshot_failed');
        res.destroy(err as Error);
      } finally {
        res.off('close', onClose);
      }

      function start() {
        started = true;
        res.status(200).type('application/x-ndjson');
        res.setHeader('cache-control', 'no-store');
      }
    },
  });
}

/** Resolves when the response can take more, or is gone; leaves no listener behind. */
function drained(res: Response): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
