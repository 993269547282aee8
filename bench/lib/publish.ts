import { EVENT_ENVELOPE_APP_ID } from '@hookline/contracts';
import { RABBITMQ_URL } from '@hookline/testing';
import amqp from 'amqplib';
import { now } from './clock';

/** An envelope as a producer would publish it; its type is also the routing key. */
export interface BenchEnvelope {
  id: string;
  type: string;
  [field: string]: unknown;
}

/**
 * Publishes `n` envelopes straight to `<namespace>.events`, persistent, confirmed 1,000 at a time (the
 * scenarios that feed the dispatcher without the HTTP ingest). Returns when the first went out and how
 * long publishing took.
 */
export async function publishEnvelopes(
  namespace: string,
  n: number,
  envelopeOf: (i: number) => BenchEnvelope,
): Promise<{ t0: number; publishMs: number }> {
  const conn = await amqp.connect(RABBITMQ_URL, { noDelay: true });
  try {
    const ch = await conn.createConfirmChannel();
    const t0 = now();
    for (let i = 0; i < n; i++) {
      const envelope = envelopeOf(i);
      ch.publish(`${namespace}.events`, envelope.type, Buffer.from(JSON.stringify(envelope)), {
        persistent: true,
        messageId: envelope.id,
        contentType: 'application/json',
        // As Hookline's own publishers tag an event they validated (see EVENT_ENVELOPE_APP_ID).
        appId: EVENT_ENVELOPE_APP_ID,
      });
      if (i % 1000 === 999) await ch.waitForConfirms();
    }
    await ch.waitForConfirms();
    return { t0, publishMs: now() - t0 };
  } finally {
    await conn.close().catch(() => {});
  }
}

/** Event ids that sort in publish order: `evt_<prefix><i, 8 digits>`. */
export const benchEventId = (prefix: string, i: number): string => `evt_${prefix}${String(i).padStart(8, '0')}`;
