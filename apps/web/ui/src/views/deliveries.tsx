import { type FormEvent, useState } from 'react';
import { ApiError } from '../api';
import {
  ActionButton,
  Async,
  Code,
  ErrorState,
  Field,
  Loading,
  PagerNav,
  StatusBadge,
  Table,
  Time,
} from '../components';
import { currentCursor, type DeliveryFilters, deliveryQuery, firstPage, NO_DELIVERY_FILTERS } from '../filters';
import { useApi, useResource } from '../hooks';
import { Link, useNavigate } from '../router';
import type { Attempt, Delivery, Page } from '../types';
import { AttemptLog } from './attempts';

export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed', 'paused'];

/** The body Hookline sends for an event (the envelope without its id), when the attempt did not record it. */
export function bodyFromEvent(event: unknown): unknown {
  if (!event || typeof event !== 'object') return undefined;
  const { type, timestamp, data } = event as Record<string, unknown>;
  return { type, timestamp, data };
}

export function DeliveryList({
  fixed = {},
  tenantFilter = true,
  title = 'Deliveries',
  replayButtons = false,
  owner = 'Subscription',
}: {
  fixed?: Partial<DeliveryFilters>;
  tenantFilter?: boolean;
  title?: string;
  replayButtons?: boolean;
  /** What a delivery goes to: "Subscription" (dashboard) or "Endpoint" (portal). */
  owner?: string;
}) {
  const api = useApi();
  const [draft, setDraft] = useState<DeliveryFilters>({ ...NO_DELIVERY_FILTERS, ...fixed });
  const [filters, setFilters] = useState<DeliveryFilters>(draft);
  const [pager, setPager] = useState(firstPage());
  const page = useResource(
    () => api.get<Page<Delivery>>('/deliveries', deliveryQuery({ ...filters, ...fixed }, currentCursor(pager))),
    [JSON.stringify(filters), JSON.stringify(pager)],
    5000,
  );
  const apply = (e: FormEvent) => {
    e.preventDefault();
    setFilters(draft);
    setPager(firstPage());
  };
  const set = (k: keyof DeliveryFilters) => (v: string) => setDraft((d) => ({ ...d, [k]: v }));
  return (
    <section aria-label={title}>
      <form className="filters" onSubmit={apply} aria-label="Delivery filters">
        {fixed.status === undefined && (
          <Field label="Status">
            {(p) => (
              <select {...p} value={draft.status} onChange={(e) => set('status')(e.target.value)}>
                <option value="">any</option>
                {DELIVERY_STATUSES.map((s) => (
                  <option key={s}>{s}</option>
                ))}
              </select>
            )}
          </Field>
        )}
        {tenantFilter && fixed.tenant === undefined && (
          <Field label="Tenant">
            {(p) => <input {...p} value={draft.tenant} onChange={(e) => set('tenant')(e.target.value)} />}
          </Field>
        )}
        {fixed.subscriptionId === undefined && (
          <Field label={owner}>
            {(p) => (
              <input
                {...p}
                placeholder="sub_…"
                value={draft.subscriptionId}
                onChange={(e) => set('subscriptionId')(e.target.value)}
              />
            )}
          </Field>
        )}
        <Field label="Event type">
          {(p) => <input {...p} value={draft.eventType} onChange={(e) => set('eventType')(e.target.value)} />}
        </Field>
        <Field label="From">
          {(p) => (
            <input {...p} type="datetime-local" value={draft.since} onChange={(e) => set('since')(e.target.value)} />
          )}
        </Field>
        <Field label="To">
          {(p) => (
            <input {...p} type="datetime-local" value={draft.until} onChange={(e) => set('until')(e.target.value)} />
          )}
        </Field>
        <button type="submit">Apply filters</button>
      </form>
      <Async resource={page} isEmpty={(p) => p.data.length === 0} empty="No delivery matches these filters.">
        {(p) => (
          <>
            <Table
              headers={[
                'Delivery',
                'Status',
                'Event type',
                owner,
                'Attempts',
                'Last status',
                'Created',
                replayButtons && 'Replay',
              ]}
            >
              {p.data.map((d) => (
                <tr key={d.id}>
                  <td>
                    <Link to={`/deliveries/${d.id}`}>{d.id}</Link>
                  </td>
                  <td>
                    <StatusBadge status={d.status} />
                  </td>
                  <td>{d.eventType}</td>
                  <td>
                    <Link to={`/subscriptions/${d.subscriptionId}`}>{d.subscriptionId}</Link>
                  </td>
                  <td>{d.attempts}</td>
                  <td>{d.lastStatusCode ?? d.lastError ?? '—'}</td>
                  <td>
                    <Time at={d.createdAt} />
                  </td>
                  {replayButtons && (
                    <td>
                      <ActionButton
                        label="Replay"
                        run={() => api.post(`/deliveries/${d.id}/replay`).then(page.reload)}
                      />
                    </td>
                  )}
                </tr>
              ))}
            </Table>
            <PagerNav pager={pager} setPager={setPager} next={p.next_cursor} />
          </>
        )}
      </Async>
    </section>
  );
}

/** A delivery id typed or pasted: opens its page (the portal's "find a delivery"). */
export function DeliveryLookup() {
  const navigate = useNavigate();
  const [id, setId] = useState('');
  return (
    <form
      className="filters"
      aria-label="Find a delivery"
      onSubmit={(e) => {
        e.preventDefault();
        if (id.trim()) navigate(`/deliveries/${encodeURIComponent(id.trim())}`);
      }}
    >
      <Field label="Delivery id">
        {(p) => <input {...p} placeholder="msg_…" value={id} onChange={(e) => setId(e.target.value)} />}
      </Field>
      <button type="submit">Open delivery</button>
    </form>
  );
}

/** `owner` names what a delivery goes to: "Subscription" (dashboard) or "Endpoint" (portal). */
export function DeliveryPage({ id, owner = 'Subscription' }: { id: string; owner?: string }) {
  const api = useApi();
  // Refreshes every 2 s while attempts may still come (a replay, a retry), as a live log.
  const d = useResource(
    () => api.get<Delivery & { attempts: Attempt[] | number }>(`/deliveries/${encodeURIComponent(id)}`),
    [id],
    2000,
  );
  if (d.data === undefined) {
    if (d.error instanceof ApiError && (d.error.status === 404 || d.error.status === 400))
      return (
        <div className="state error" role="alert">
          <h2>Delivery not found</h2>
          <p>No delivery {id} here.</p>
        </div>
      );
    return d.error ? <ErrorState error={d.error} retry={d.reload} /> : <Loading />;
  }
  const delivery = d.data;
  const attempts = Array.isArray(delivery.attempts) ? delivery.attempts : [];
  return (
    <article aria-label={`Delivery ${delivery.id}`}>
      <h2>
        Delivery {delivery.id} <StatusBadge status={delivery.status} />
      </h2>
      <div className="toolbar">
        <ActionButton label="Replay" run={() => api.post(`/deliveries/${delivery.id}/replay`).then(d.reload)} />
        <Link to={`/subscriptions/${delivery.subscriptionId}`}>
          {owner} {delivery.subscriptionId}
        </Link>
      </div>
      <dl className="facts">
        <div>
          <dt>Event</dt>
          <dd>
            {delivery.eventType} ({delivery.eventId})
          </dd>
        </div>
        {delivery.tenant && (
          <div>
            <dt>Tenant</dt>
            <dd>{delivery.tenant}</dd>
          </div>
        )}
        <div>
          <dt>Created</dt>
          <dd>
            <Time at={delivery.createdAt} />
          </dd>
        </div>
        <div>
          <dt>Next attempt</dt>
          <dd>
            <Time at={delivery.nextAttemptAt} />
          </dd>
        </div>
      </dl>
      <details>
        <summary>Event</summary>
        <Code value={delivery.event} />
      </details>
      <h3>Attempts ({attempts.length})</h3>
      <AttemptLog attempts={attempts} requestBody={bodyFromEvent(delivery.event)} />
    </article>
  );
}
