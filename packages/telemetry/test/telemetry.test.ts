import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { startOtlpCollector } from '@hookline/testing';
import { injectTrace, inSpan, startTelemetry, tracingEnabled } from '../src';

describe('with no OTLP endpoint', () => {
  it('records nothing and leaves headers unchanged', async () => {
    const telemetry = startTelemetry('test', {});
    expect(tracingEnabled()).toBe(false);
    const headers = await inSpan('work', { kind: 'consumer' }, async () => injectTrace({ a: 'b' }));
    expect(headers).toEqual({ a: 'b' });
    await telemetry.shutdown();
  });
});

describe('with an OTLP endpoint', () => {
  it('exports one trace from an HTTP request, across a message hop, to a delivery attempt', async () => {
    const collector = await startOtlpCollector();
    try {
      const callerTrace = '0af7651916cd43dd8448eb211c80319c';
      const out = await runFixture(`00-${callerTrace}-b7ad6b7169203331-01`, {
        ...process.env,
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      });
      const { messageHeaders, receiverHeaders } = JSON.parse(out);
      const byName = new Map(collector.spans.map((s) => [s.name, s]));
      const server = byName.get('GET /like/:id');
      const fanout = byName.get('fanout LIKED_PHOTO');
      const deliver = byName.get('deliver');
      expect(server?.traceId).toBe(callerTrace);
      expect(server?.parentSpanId).toBe('b7ad6b7169203331');
      expect(messageHeaders.traceparent).toBe(`00-${callerTrace}-${server?.spanId}-01`);
      expect(fanout?.traceId).toBe(callerTrace);
      expect(fanout?.parentSpanId).toBe(server?.spanId);
      expect(deliver?.parentSpanId).toBe(fanout?.spanId);
      expect(deliver?.status?.code).toBe(2); // ERROR
      expect(receiverHeaders.traceparent).toBe(`00-${callerTrace}-${deliver?.spanId}-01`);
      expect(byName.get('broken')?.status?.code).toBe(2);
    } finally {
      await collector.close();
    }
  });
});

function runFixture(traceparent: string, env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--conditions=hookline-src', '--import', 'tsx', join(__dirname, 'fixtures', 'traced-flow.ts'), traceparent],
      { env, timeout: 20_000 },
      (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)),
    );
  });
}
