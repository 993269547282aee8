import { type FormEvent, useMemo, useState } from 'react';
import { createApi } from '../src/api';
import { ConnectionBanner, Field } from '../src/components';
import { ApiContext } from '../src/hooks';
import { Link, type Routes, renderRoute, useLocation } from '../src/router';
import { EventTypesPage } from '../src/views/catalog';
import { DeliveryList, DeliveryPage } from '../src/views/deliveries';
import { GatewayPage, Overview } from '../src/views/overview';
import { NewSubscription, type Scope, SubscriptionList, SubscriptionPage } from '../src/views/subscriptions';
import { TenantsPage } from '../src/views/tenants';

// sessionStorage: gone with the tab, never in a URL or localStorage. Loopback in protected mode needs none.
const KEY = 'hookline.managementKey';
const scope: Scope = { noun: 'Subscriptions', singular: 'subscription', tenants: true };

const NAV = [
  ['/', 'Overview'],
  ['/subscriptions', 'Subscriptions'],
  ['/deliveries', 'Deliveries'],
  ['/dead-letters', 'Dead letters'],
  ['/tenants', 'Tenants'],
  ['/event-types', 'Event types'],
  ['/gateway', 'Gateway'],
] as const;

function KeyForm({ onKey }: { onKey: (key: string) => void }) {
  const [key, setKey] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (key.trim()) onKey(key.trim());
  };
  return (
    <form className="form keyform" onSubmit={submit} aria-label="Management key">
      <h2>Management key required</h2>
      <p>This Hookline runs with API_KEYS: enter one. It is kept in this tab only (sessionStorage).</p>
      <Field label="Management API key">
        {(p) => (
          <input {...p} type="password" autoComplete="off" value={key} onChange={(e) => setKey(e.target.value)} />
        )}
      </Field>
      <button type="submit" className="primary">
        Use key
      </button>
    </form>
  );
}

const routes: Routes = [
  ['/', () => <Overview />],
  ['/subscriptions', () => <SubscriptionList scope={scope} />],
  ['/subscriptions/new', () => <NewSubscription scope={scope} />],
  ['/subscriptions/:id', (p) => <SubscriptionPage id={p.id!} scope={scope} />],
  ['/deliveries', () => <DeliveryList />],
  ['/deliveries/:id', (p) => <DeliveryPage id={p.id!} />],
  [
    '/dead-letters',
    () => (
      <>
        <h2>Dead letters</h2>
        <p className="muted">
          Deliveries whose retries are exhausted (their tasks are in the dead-letter queue). Replay makes a new attempt
          now, with the same webhook-id.
        </p>
        <DeliveryList fixed={{ status: 'failed' }} title="Dead letters" replayButtons />
      </>
    ),
  ],
  ['/tenants', () => <TenantsPage />],
  ['/event-types', () => <EventTypesPage />],
  ['/gateway', () => <GatewayPage />],
];

function Pages() {
  const { path } = useLocation();
  return renderRoute(path, routes, <p className="state">No page here.</p>);
}

export function DashboardApp() {
  const [needKey, setNeedKey] = useState(false);
  const [generation, setGeneration] = useState(0);
  const api = useMemo(
    () =>
      createApi(
        () => sessionStorage.getItem(KEY),
        () => setNeedKey(true),
      ),
    [],
  );
  const { path } = useLocation();
  const current = `/${path.split('/')[1] ?? ''}`;
  return (
    <ApiContext.Provider value={api}>
      <header className="top">
        <a className="skip" href="#main">
          Skip to content
        </a>
        <h1>Hookline</h1>
        <nav aria-label="Main">
          {NAV.map(([to, label]) => (
            <Link key={to} to={to} aria-current={current === to ? 'page' : undefined}>
              {label}
            </Link>
          ))}
        </nav>
        {sessionStorage.getItem(KEY) && (
          <button
            type="button"
            onClick={() => {
              sessionStorage.removeItem(KEY);
              setGeneration((g) => g + 1);
            }}
          >
            Forget key
          </button>
        )}
      </header>
      <ConnectionBanner />
      <main id="main" key={generation}>
        {needKey ? (
          <KeyForm
            onKey={(key) => {
              sessionStorage.setItem(KEY, key);
              setNeedKey(false);
              setGeneration((g) => g + 1);
            }}
          />
        ) : (
          <Pages />
        )}
      </main>
    </ApiContext.Provider>
  );
}
