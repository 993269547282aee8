import { startReceiver } from '@hookline/testing';
import { HttpDeliverer } from '../src/delivery/http-deliverer';
import { refusedAddressReason } from '../src/delivery/ssrf';
import { decideOutcome } from '../src/policy/outcome';
import { sampleTask, subscription } from './support/harness';

const task = sampleTask();

describe('SSRF guard', () => {
  it('refuses loopback, private, link-local, CGNAT, multicast, unspecified, metadata and mapped addresses', () => {
    for (const ip of [
      '127.0.0.1',
      '10.0.0.1',
      '172.16.5.4',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '224.0.0.1',
      '0.0.0.0',
      '::1',
      '::',
      'fe80::1',
      'fd00:ec2::254',
      '::ffff:127.0.0.1',
      '::ffff:10.1.2.3',
    ]) {
      expect([ip, refusedAddressReason(ip)]).toEqual([ip, expect.stringContaining('not public')]);
    }
    for (const ip of ['93.184.216.34', '2606:4700::1111', '8.8.8.8']) expect(refusedAddressReason(ip)).toBeNull();
  });

  it('records a refusal as a non-retryable error without connecting, for literal IPs and names resolving to loopback', async () => {
    const receiver = await startReceiver();
    const guarded = new HttpDeliverer({ timeoutMs: 1000, allowPrivateTargets: false });
    try {
      for (const url of [
        `http://127.0.0.1:${receiver.port}/x`,
        'http://10.0.0.1/x',
        'http://169.254.169.254/latest/meta-data',
        `http://[::1]:${receiver.port}/x`,
        `http://localhost:${receiver.port}/x`,
      ]) {
        const sent = await guarded.send(subscription(url), task);
        expect([url, sent.status, sent.nonRetryableError]).toEqual([
          url,
          null,
          expect.stringMatching(/not public|refused address/),
        ]);
        const outcome = decideOutcome({
          result: sent,
          attempt: 1,
          scheduleMs: [1000],
          now: new Date(),
          random: () => 0.5,
        });
        expect(outcome.kind).toBe('failed');
      }
      expect(receiver.requests).toHaveLength(0);
      // ALLOW_PRIVATE_TARGETS=true lifts it.
      const open = new HttpDeliverer({ timeoutMs: 1000, allowPrivateTargets: true });
      expect((await open.send(subscription(`http://localhost:${receiver.port}/x`), task)).status).toBe(200);
    } finally {
      await receiver.close();
    }
  });
});
