import { type OtlpCollector, type Receiver, startOtlpCollector, startReceiver, waitFor } from '@hookline/testing';
import { Cluster } from '../support/cluster';
import { call } from '../support/http';

/**
 * OpenTelemetry across processes: a like sent with a caller's `traceparent` is one trace from the
 * photo-app's HTTP span, through RabbitMQ, to the dispatcher's fan-out and its webhook attempt, and
 * the receiver gets that attempt's `traceparent`. Each app runs as its own process, exporting to a
 * collector in this test by OTLP over HTTP.
 */

jest.setTimeout(60_000);

let cluster: Cluster;
let collector: OtlpCollector;
let receiver: Receiver;

beforeAll(async () => {
  collector = await startOtlpCollector();
  receiver = await startReceiver();
  cluster = await Cluster.start({
    label: 'tracing',
    apps: ['subscriptions', 'dispatcher', 'photo-app'],
    // Export at once, so the test need not wait for the default 5 s batch.
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_BSP_SCHEDULE_DELAY: '100' },
  });
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
  await receiver?.close();
  await collector?.close();
}, 30_000);

it('follows a like from GET /like to the receiver as one trace', async () => {
  const res = await call('POST', `${cluster.url('subscriptions')}/subscription`, {
    url: receiver.url,
    eventTypes: ['LIKED_PHOTO'],
  });
  expect(res.status).toBe(201);
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  // The dispatcher learns of the subscription through RabbitMQ: like until one arrives.
  await waitFor(async () => {
    await fetch(`${cluster.url('photo-app')}/like/${Date.now()}`, {
      headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
    });
    return receiver.requests.length > 0;
  }, 20_000);

  const delivered = receiver.requests[0];
  expect(String(delivered?.headers.traceparent)).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
  const attemptSpanId = String(delivered?.headers.traceparent).split('-')[2];

  const inTrace = () => collector.spans.filter((s) => s.traceId === traceId);
  await waitFor(() => inTrace().some((s) => s.spanId === attemptSpanId), 15_000);
  const attempt = inTrace().find((s) => s.spanId === attemptSpanId);
  const fanout = inTrace().find((s) => s.spanId === attempt?.parentSpanId);
  const ingest = inTrace().find((s) => s.spanId === fanout?.parentSpanId);
  expect(attempt).toMatchObject({ name: 'webhook attempt', service: 'dispatcher' });
  expect(fanout).toMatchObject({ name: 'fanout', service: 'dispatcher' });
  expect(ingest).toMatchObject({ name: 'GET /like/:id', service: 'photo-app', parentSpanId: '00f067aa0ba902b7' });
});
