import { describe, expect, it } from 'vitest';
import type { Attempt } from '../src/types';
import { AttemptLog, attemptOutcome, groupByRound } from '../src/views/attempts';
import { render } from './render';

const attempt = (fields: Partial<Attempt>): Attempt => ({
  attempt: 1,
  round: 0,
  at: '2026-11-28T10:00:00.000Z',
  durationMs: 12,
  statusCode: 200,
  error: null,
  responseBody: null,
  nextAttemptAt: null,
  ...fields,
});

describe('the attempt view', () => {
  it('says what happened in the words an operator scans for', () => {
    expect(attemptOutcome(attempt({ statusCode: 204 }))).toEqual({ label: '204', ok: true });
    expect(attemptOutcome(attempt({ statusCode: 503 }))).toEqual({ label: '503', ok: false });
    expect(attemptOutcome(attempt({ statusCode: null, error: 'ECONNREFUSED' }))).toEqual({
      label: 'no response',
      ok: false,
    });
  });

  it('groups attempts by round (replays after the original schedule), each in time order', () => {
    const rounds = groupByRound([
      attempt({ round: 1, attempt: 1, at: '2026-11-28T11:00:00.000Z' }),
      attempt({ attempt: 2, at: '2026-11-28T10:01:00.000Z' }),
      attempt({ attempt: 1, at: '2026-11-28T10:00:00.000Z' }),
    ]);
    expect(rounds.map((r) => [r.round, r.attempts.map((a) => a.attempt)])).toEqual([
      [0, [1, 2]],
      [1, [1]],
    ]);
  });

  it('shows the request as sent and the response as stored, the error and the next attempt', async () => {
    const c = await render(
      <AttemptLog
        attempts={[
          attempt({
            statusCode: 500,
            durationMs: 87,
            responseBody: '{"error":"database down"}',
            nextAttemptAt: '2026-11-28T10:00:30.000Z',
            requestHeaders: { 'webhook-id': 'msg_1', 'webhook-signature': 'v1,abc=', 'x-team': 'ops' },
            responseHeaders: { 'content-type': 'application/json', 'retry-after': '30' },
          }),
          attempt({ round: 1, statusCode: null, error: 'connect ECONNREFUSED', durationMs: 3 }),
        ]}
        requestBody={{ type: 'order.paid', data: { id: 7 } }}
      />,
    );
    const [first, replay] = [...c.querySelectorAll('[data-testid="attempt"]')];
    const request = first?.querySelector('[aria-label="Request"]')?.textContent ?? '';
    const response = first?.querySelector('[aria-label="Response"]')?.textContent ?? '';
    expect(request).toContain('webhook-signature');
    expect(request).toContain('x-team');
    expect(request).toContain('"order.paid"');
    expect(response).toContain('Response 500');
    expect(response).toContain('retry-after');
    expect(response).toContain('database down');
    expect(first?.textContent).toContain('87 ms');
    expect(first?.querySelector('time[datetime="2026-11-28T10:00:30.000Z"]')).not.toBeNull();
    expect(c.querySelector('[aria-label="Replay 1"]')).not.toBeNull();
    expect(replay?.textContent).toContain('no response');
    expect(replay?.textContent).toContain('connect ECONNREFUSED');
    expect(replay?.textContent).toContain('headers not recorded');
  });

  it('an empty log says the delivery is queued', async () => {
    const c = await render(<AttemptLog attempts={[]} />);
    expect(c.textContent).toContain('No attempt yet');
  });
});
