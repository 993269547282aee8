import { Code, Time } from '../components';
import type { Attempt } from '../types';

/** Attempt outcome in words: what an operator scans for first. */
export function attemptOutcome(a: Attempt): { label: string; ok: boolean } {
  if (a.statusCode !== null && a.statusCode >= 200 && a.statusCode < 300) return { label: `${a.statusCode}`, ok: true };
  if (a.statusCode !== null) return { label: `${a.statusCode}`, ok: false };
  return { label: a.error ? 'no response' : 'pending', ok: false };
}

/** Attempts grouped by round (0 = the original schedule, +1 per replay or recovery), in order. */
export function groupByRound(attempts: readonly Attempt[]): Array<{ round: number; attempts: Attempt[] }> {
  const rounds = new Map<number, Attempt[]>();
  for (const a of attempts) rounds.set(a.round ?? 0, [...(rounds.get(a.round ?? 0) ?? []), a]);
  return [...rounds.entries()]
    .sort(([x], [y]) => x - y)
    .map(([round, list]) => ({ round, attempts: list.sort((p, q) => p.at.localeCompare(q.at)) }));
}

function Headers({ headers }: { headers: Record<string, string> | undefined }) {
  if (!headers) return <p className="muted">headers not recorded</p>;
  return (
    <dl className="headers">
      {Object.entries(headers).map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}

/** One attempt: request as sent, response as stored, timing, error and what happens next. */
export function AttemptView({
  attempt,
  index,
  requestBody,
}: {
  attempt: Attempt;
  index: number;
  requestBody?: unknown;
}) {
  const outcome = attemptOutcome(attempt);
  const body = attempt.requestBody ?? requestBody;
  return (
    <details className="attempt" open={index === 0} data-testid="attempt">
      <summary>
        <span className={outcome.ok ? 'badge badge-delivered' : 'badge badge-failed'}>{outcome.label}</span> Attempt{' '}
        {attempt.attempt} · <Time at={attempt.at} /> · {attempt.durationMs} ms
      </summary>
      <div className="attempt-body">
        <section aria-label="Request">
          <h4>Request</h4>
          <Headers headers={attempt.requestHeaders} />
          {attempt.requestBody === undefined && body !== undefined && <p className="muted">body, from the event:</p>}
          {body !== undefined ? <Code value={body} /> : <p className="muted">body not recorded</p>}
        </section>
        <section aria-label="Response">
          <h4>Response {attempt.statusCode ?? ''}</h4>
          {attempt.responseHeaders && <Headers headers={attempt.responseHeaders} />}
          {attempt.responseBody ? <Code value={attempt.responseBody} /> : <p className="muted">no body</p>}
        </section>
        <dl className="facts">
          <div>
            <dt>Duration</dt>
            <dd>{attempt.durationMs} ms</dd>
          </div>
          <div>
            <dt>Error</dt>
            <dd>{attempt.error ?? '—'}</dd>
          </div>
          <div>
            <dt>Next attempt</dt>
            <dd>
              <Time at={attempt.nextAttemptAt} />
            </dd>
          </div>
        </dl>
      </div>
    </details>
  );
}

export function AttemptLog({ attempts, requestBody }: { attempts: readonly Attempt[]; requestBody?: unknown }) {
  if (attempts.length === 0) return <p className="state empty">No attempt yet: the delivery is queued.</p>;
  const rounds = groupByRound(attempts);
  return (
    <div>
      {rounds.map(({ round, attempts: list }) => (
        <section key={round} aria-label={round === 0 ? 'First round' : `Replay ${round}`}>
          <h3>{round === 0 ? 'Original schedule' : `Replay ${round}`}</h3>
          {list.map((a, i) => (
            <AttemptView key={`${a.round}-${a.attempt}-${a.at}`} attempt={a} index={i} requestBody={requestBody} />
          ))}
        </section>
      ))}
    </div>
  );
}
