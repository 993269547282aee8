import { Async, Table, Time } from '../components';
import { useApi, useResource } from '../hooks';
import { Link } from '../router';

interface Stats {
  attempts: number;
  successRate: number | null;
  p50Ms: number | null;
  p99Ms: number | null;
  perMinute: Array<{ minute: string; ok: number; failed: number }>;
  failingSubscriptions: Array<{
    subscriptionId: string;
    failingSince: string;
    lastStatusCode: number | null;
    lastError: string | null;
    lastDeliveryId: string | null;
  }>;
}
interface Queues {
  available: boolean;
  queues: Array<{ name: string; messages: number; ready: number; unacknowledged: number; consumers: number }>;
}

/** Deliveries per minute as stacked SVG bars (ok below, failed above): no chart library for one chart. */
export function MinuteChart({ perMinute }: { perMinute: Stats['perMinute'] }) {
  const max = Math.max(1, ...perMinute.map((m) => m.ok + m.failed));
  const w = 600;
  const h = 120;
  const bar = w / Math.max(1, perMinute.length);
  const total = perMinute.reduce((n, m) => n + m.ok + m.failed, 0);
  return (
    <figure className="chart">
      <svg
        viewBox={`0 0 ${w} ${h}`}
        preserveAspectRatio="none"
        role="img"
        aria-label={`Attempts per minute, last hour: ${total} in all`}
      >
        {perMinute.map((m, i) => {
          const okH = (m.ok / max) * h;
          const failH = (m.failed / max) * h;
          return (
            <g key={m.minute}>
              <title>{`${new Date(m.minute).toLocaleTimeString()}: ${m.ok} ok, ${m.failed} failed`}</title>
              <rect className="ok" x={i * bar} y={h - okH} width={Math.max(1, bar - 1)} height={okH} />
              <rect className="failed" x={i * bar} y={h - okH - failH} width={Math.max(1, bar - 1)} height={failH} />
            </g>
          );
        })}
      </svg>
      <figcaption>Attempts per minute over the last hour (green ok, red failed); peak {max}/min.</figcaption>
    </figure>
  );
}

const pct = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(1)} %`);
const ms = (v: number | null) => (v === null ? '—' : `${v} ms`);

export function Overview() {
  const api = useApi();
  // Refreshes itself every 2 s (the bound), keeping the last numbers while it reloads.
  const stats = useResource(() => api.get<Stats>('/deliveries/stats', { minutes: 60 }), [], 2000);
  const queues = useResource(() => api.get<Queues>('/queues'), [], 2000);
  return (
    <section aria-label="Overview">
      <h2>Overview</h2>
      <Async resource={stats}>
        {(s) => (
          <>
            <div className="tiles">
              <div className="tile">
                <span>Attempts (1 h)</span>
                <strong data-testid="attempts">{s.attempts}</strong>
              </div>
              <div className="tile">
                <span>Success rate</span>
                <strong>{pct(s.successRate)}</strong>
              </div>
              <div className="tile">
                <span>p50 duration</span>
                <strong>{ms(s.p50Ms)}</strong>
              </div>
              <div className="tile">
                <span>p99 duration</span>
                <strong>{ms(s.p99Ms)}</strong>
              </div>
            </div>
            <MinuteChart perMinute={s.perMinute} />
            <h3>Failing subscriptions (oldest failure first)</h3>
            {s.failingSubscriptions.length === 0 ? (
              <p className="state empty">No subscription is failing.</p>
            ) : (
              <Table headers={['Subscription', 'Failing since', 'Last answer', 'Last failed delivery']}>
                {s.failingSubscriptions.map((f) => (
                  <tr key={f.subscriptionId}>
                    <td>
                      <Link to={`/subscriptions/${f.subscriptionId}`}>{f.subscriptionId}</Link>
                    </td>
                    <td>
                      <Time at={f.failingSince} />
                    </td>
                    <td>{f.lastStatusCode ?? f.lastError ?? '—'}</td>
                    <td>
                      {f.lastDeliveryId && <Link to={`/deliveries/${f.lastDeliveryId}`}>{f.lastDeliveryId}</Link>}
                    </td>
                  </tr>
                ))}
              </Table>
            )}
          </>
        )}
      </Async>
      <h3>Queues</h3>
      <Async resource={queues}>
        {(q) =>
          !q.available ? (
            <p className="state empty">
              The RabbitMQ management API does not answer (RABBITMQ_MANAGEMENT_URL): queue depths are unavailable.
            </p>
          ) : (
            <QueueTable queues={q.queues} />
          )
        }
      </Async>
    </section>
  );
}

export function QueueTable({ queues }: { queues: Queues['queues'] }) {
  if (queues.length === 0) return <p className="state empty">No queue yet.</p>;
  return (
    <Table headers={['Queue', 'Messages', 'Ready', 'Unacked', 'Consumers']}>
      {queues.map((q) => (
        <tr key={q.name}>
          <td>{q.name}</td>
          <td>{q.messages}</td>
          <td>{q.ready}</td>
          <td>{q.unacknowledged}</td>
          <td>{q.consumers}</td>
        </tr>
      ))}
    </Table>
  );
}

/** Stations and their consumer groups from the queue names `<ns>.station.<station>.<group>`. */
export function stationsFromQueues(queues: Queues['queues']): Array<{ station: string; groups: Queues['queues'] }> {
  const stations = new Map<string, Queues['queues']>();
  for (const q of queues) {
    const m = /^[^.]+\.station\.([^.]+)\.(.+)$/.exec(q.name);
    if (!m) continue;
    stations.set(m[1]!, [...(stations.get(m[1]!) ?? []), { ...q, name: m[2]! }]);
  }
  return [...stations.entries()].map(([station, groups]) => ({ station, groups }));
}

export function GatewayPage() {
  const api = useApi();
  const queues = useResource(() => api.get<Queues>('/queues'), [], 5000);
  return (
    <section aria-label="Gateway">
      <h2>Gateway stations</h2>
      <Async resource={queues}>
        {(q) => {
          if (!q.available)
            return (
              <p className="state empty">The RabbitMQ management API does not answer: stations cannot be listed.</p>
            );
          const stations = stationsFromQueues(q.queues);
          if (stations.length === 0)
            return <p className="state empty">No station has a consumer group yet (a first pull creates one).</p>;
          return stations.map((s) => <Station key={s.station} station={s.station} groups={s.groups} />);
        }}
      </Async>
    </section>
  );
}

function Station({ station, groups }: { station: string; groups: Queues['queues'] }) {
  const api = useApi();
  const schema = useResource(
    () => api.get<unknown>(`/stations/${encodeURIComponent(station)}/schema`).catch(() => null),
    [station],
  );
  return (
    <article className="card" aria-label={`Station ${station}`}>
      <h3>{station}</h3>
      <QueueTable queues={groups} />
      <details>
        <summary>Schema</summary>
        {schema.data ? <pre className="code">{JSON.stringify(schema.data, null, 2)}</pre> : <p>No schema.</p>}
      </details>
    </article>
  );
}
