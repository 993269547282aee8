import { type FormEvent, useState } from 'react';
import { ActionButton, Async, Code, CopyButton, Field, PagerNav, StatusBadge, Table, Time } from '../components';
import {
  currentCursor,
  filterSubscriptions,
  firstPage,
  NO_SUBSCRIPTION_FILTERS,
  type SubscriptionFilters,
  subscriptionQuery,
} from '../filters';
import { emptyForm, formFromSubscription } from '../forms';
import { useApi, useResource } from '../hooks';
import { Link, useNavigate } from '../router';
import type { Page, Subscription } from '../types';
import { DeliveryList } from './deliveries';
import { SubscriptionFormView } from './subscription-form';

interface Stats {
  failingSubscriptions: Array<{ subscriptionId: string; failingSince: string }>;
}

/** The words for the portal ("endpoints") or the dashboard ("subscriptions"); one set of pages. */
export interface Scope {
  noun: string;
  /** One of them, in a sentence: "endpoint" or "subscription". */
  singular: string;
  /** The dashboard filters and sets tenants; a portal token has one. */
  tenants: boolean;
}

export function SubscriptionList({ scope }: { scope: Scope }) {
  const api = useApi();
  const navigate = useNavigate();
  const [draft, setDraft] = useState<SubscriptionFilters>(NO_SUBSCRIPTION_FILTERS);
  const [filters, setFilters] = useState(draft);
  const [pager, setPager] = useState(firstPage());
  const page = useResource(
    () => api.get<Page<Subscription>>('/subscription', subscriptionQuery(filters, currentCursor(pager))),
    [JSON.stringify(filters), JSON.stringify(pager)],
  );
  // "Failing" comes from the dispatcher's failure clock (management only: the portal shows disabled ones).
  const stats = useResource(
    () =>
      scope.tenants
        ? api.get<Stats>('/deliveries/stats', { minutes: 1 }).catch(() => ({ failingSubscriptions: [] }))
        : Promise.resolve({ failingSubscriptions: [] }),
    [filters.failing],
  );
  const failing = new Set((stats.data?.failingSubscriptions ?? []).map((f) => f.subscriptionId));
  const apply = (e: FormEvent) => {
    e.preventDefault();
    setFilters(draft);
    setPager(firstPage());
  };
  return (
    <section aria-label={scope.noun}>
      <div className="toolbar">
        <h2>{scope.noun}</h2>
        <button type="button" className="primary" onClick={() => navigate('/subscriptions/new')}>
          New {scope.singular}
        </button>
      </div>
      <form className="filters" onSubmit={apply} aria-label={`${scope.noun} filters`}>
        {scope.tenants && (
          <Field label="Tenant">
            {(p) => (
              <input {...p} value={draft.tenant} onChange={(e) => setDraft({ ...draft, tenant: e.target.value })} />
            )}
          </Field>
        )}
        <Field label="Event type">
          {(p) => (
            <input {...p} value={draft.eventType} onChange={(e) => setDraft({ ...draft, eventType: e.target.value })} />
          )}
        </Field>
        <Field label="Enabled">
          {(p) => (
            <select
              {...p}
              value={draft.enabled}
              onChange={(e) => setDraft({ ...draft, enabled: e.target.value as SubscriptionFilters['enabled'] })}
            >
              <option value="">any</option>
              <option value="true">enabled</option>
              <option value="false">disabled</option>
            </select>
          )}
        </Field>
        <label className="check">
          <input
            type="checkbox"
            checked={draft.failing}
            onChange={(e) => setDraft({ ...draft, failing: e.target.checked })}
          />
          Failing only
        </label>
        <button type="submit">Apply filters</button>
      </form>
      <Async resource={page}>
        {(p) => {
          const rows = filterSubscriptions(p.data, filters, failing);
          return (
            <>
              {rows.length === 0 ? (
                <p className="state empty">No {scope.noun.toLowerCase()} match: create one with the button above.</p>
              ) : (
                <Table headers={['URL', 'Event types', scope.tenants && 'Tenant', 'State', 'Created']}>
                  {rows.map((s) => (
                    <tr key={s.id} data-testid="subscription-row">
                      <td>
                        <Link to={`/subscriptions/${s.id}`}>{s.url}</Link>
                        {s.description && <div className="muted">{s.description}</div>}
                      </td>
                      <td>{s.eventTypes.join(', ')}</td>
                      {scope.tenants && <td>{s.tenant ?? 'default'}</td>}
                      <td>
                        <StatusBadge status={s.enabled ? 'enabled' : 'disabled'} />
                        {failing.has(s.id) && <StatusBadge status="failing" />}
                        <DeliveryControls subscription={s} />
                      </td>
                      <td>
                        <Time at={s.createdAt} />
                      </td>
                    </tr>
                  ))}
                </Table>
              )}
              <PagerNav pager={pager} setPager={setPager} next={p.next_cursor} />
            </>
          );
        }}
      </Async>
    </section>
  );
}

/** The delivery controls in a list row: a limit and FIFO show as badges, none as nothing. */
function DeliveryControls({ subscription: s }: { subscription: Subscription }) {
  return (
    <>
      {s.rateLimit ? <span className="badge">{s.rateLimit}/s</span> : null}
      {s.ordering === 'fifo' ? <span className="badge">FIFO</span> : null}
    </>
  );
}

export function NewSubscription({ scope }: { scope: Scope }) {
  const navigate = useNavigate();
  return (
    <section aria-label={`New ${scope.noun}`}>
      <h2>New {scope.singular}</h2>
      <SubscriptionFormView
        noun={scope.singular}
        initial={emptyForm()}
        tenantField={scope.tenants}
        onSaved={(s) => navigate(`/subscriptions/${s.id}`)}
        onCancel={() => navigate('/subscriptions')}
      />
    </section>
  );
}

function Secret({ id }: { id: string }) {
  const api = useApi();
  const [secret, setSecret] = useState<string>();
  const show = async () => {
    const s = await api.get<{ secret?: string; publicKey?: string }>(`/subscription/${id}/secret`);
    setSecret(s.secret ?? s.publicKey);
  };
  return (
    <div className="secret">
      {secret ? (
        <>
          <code data-testid="secret">{secret}</code>
          <CopyButton text={secret} label="Copy secret" />
          <button type="button" onClick={() => setSecret(undefined)}>
            Hide secret
          </button>
        </>
      ) : (
        <ActionButton label="Reveal secret" run={show} />
      )}
      <ActionButton
        label="Rotate secret"
        confirm="Rotate the signing secret? The old one keeps signing during the grace period."
        run={async () => {
          const r = await api.post<{ secret: string }>(`/subscription/${id}/secret/rotate`);
          setSecret(r.secret);
        }}
      />
    </div>
  );
}

function TestEvent({ id, onSent }: { id: string; onSent: () => void }) {
  const api = useApi();
  const [sent, setSent] = useState<string>();
  return (
    <span>
      <ActionButton
        label="Send test event"
        run={async () => {
          const r = await api.post<{ id?: string; deliveryId?: string }>(`/subscription/${id}/test`, {});
          setSent(r?.deliveryId ?? r?.id ?? 'sent');
          onSent();
        }}
      />
      {sent && (
        <span role="status" className="muted">
          {' '}
          Test event sent
        </span>
      )}
    </span>
  );
}

function Recover({ id }: { id: string }) {
  const api = useApi();
  const [since, setSince] = useState('');
  const [until, setUntil] = useState('');
  const [result, setResult] = useState<string>();
  const [error, setError] = useState<string>();
  return (
    <form
      className="filters"
      aria-label="Recover failed deliveries"
      onSubmit={async (e) => {
        e.preventDefault();
        setError(undefined);
        try {
          const body: Record<string, string> = { since: new Date(since).toISOString() };
          if (until) body.until = new Date(until).toISOString();
          const r = await api.post<{ recovered: number }>(`/subscription/${id}/recover`, body);
          setResult(`${r.recovered} failed deliveries queued again`);
        } catch (err) {
          setError((err as Error).message);
        }
      }}
    >
      <Field label="Failed since" error={error}>
        {(p) => (
          <input {...p} type="datetime-local" required value={since} onChange={(e) => setSince(e.target.value)} />
        )}
      </Field>
      <Field label="Until (optional)">
        {(p) => <input {...p} type="datetime-local" value={until} onChange={(e) => setUntil(e.target.value)} />}
      </Field>
      <button type="submit" disabled={!since}>
        Recover window
      </button>
      {result && <span role="status">{result}</span>}
    </form>
  );
}

export function SubscriptionPage({ id, scope }: { id: string; scope: Scope }) {
  const api = useApi();
  const navigate = useNavigate();
  const [editing, setEditing] = useState(false);
  const [deliveriesKey, setDeliveriesKey] = useState(0);
  const sub = useResource(() => api.get<Subscription>(`/subscription/${encodeURIComponent(id)}`), [id]);
  return (
    <Async resource={sub}>
      {(s) => (
        <article aria-label={`${scope.singular} ${s.id}`}>
          <h2>
            {s.url} <StatusBadge status={s.enabled ? 'enabled' : 'disabled'} />
          </h2>
          <p className="muted">
            {s.id}
            {scope.tenants && ` · tenant ${s.tenant ?? 'default'}`}
            {s.disabledReason && ` · disabled: ${s.disabledReason}`}
          </p>
          {editing ? (
            <SubscriptionFormView
              noun={scope.singular}
              initial={formFromSubscription(s)}
              original={s}
              tenantField={false}
              onSaved={() => {
                setEditing(false);
                sub.reload();
              }}
              onCancel={() => setEditing(false)}
            />
          ) : (
            <>
              <div className="toolbar">
                <button type="button" onClick={() => setEditing(true)}>
                  Edit
                </button>
                <ActionButton
                  label={s.enabled ? 'Disable' : 'Enable'}
                  run={() => api.patch(`/subscription/${s.id}`, { enabled: !s.enabled }).then(sub.reload)}
                />
                <TestEvent id={s.id} onSent={() => setDeliveriesKey((k) => k + 1)} />
                <ActionButton
                  label="Delete"
                  className="danger"
                  confirm={`Delete ${s.url}? Its deliveries stay until retention.`}
                  run={() => api.del(`/subscription/${s.id}`).then(() => navigate('/subscriptions'))}
                />
              </div>
              <dl className="facts">
                <div>
                  <dt>Event types</dt>
                  <dd>{s.eventTypes.join(', ')}</dd>
                </div>
                <div>
                  <dt>Description</dt>
                  <dd>{s.description ?? '—'}</dd>
                </div>
                <div>
                  <dt>Rate limit</dt>
                  <dd data-testid="rate-limit">
                    {s.rateLimit ? `at most ${s.rateLimit} deliveries a second` : 'none'}
                  </dd>
                </div>
                <div>
                  <dt>Ordering</dt>
                  <dd data-testid="ordering">
                    {s.ordering === 'fifo' ? 'FIFO: one at a time, in publish order' : 'none (concurrent)'}
                  </dd>
                </div>
                <div>
                  <dt>Created</dt>
                  <dd>
                    <Time at={s.createdAt} />
                  </dd>
                </div>
              </dl>
              {s.metadata && <Code value={s.metadata} />}
              {s.filter !== undefined && (
                <>
                  <h4>Filter</h4>
                  <Code value={s.filter} />
                </>
              )}
              {s.transform && (
                <>
                  <h4>Transformation</h4>
                  <Code value={s.transform} />
                </>
              )}
            </>
          )}
          <h3>Signing secret</h3>
          <Secret id={s.id} />
          <h3>Recover failed deliveries</h3>
          <Recover id={s.id} />
          <h3>Deliveries</h3>
          <DeliveryList
            key={deliveriesKey}
            fixed={{ subscriptionId: s.id }}
            tenantFilter={false}
            owner={scope.singular.charAt(0).toUpperCase() + scope.singular.slice(1)}
          />
        </article>
      )}
    </Async>
  );
}
