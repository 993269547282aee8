import { useEffect, useMemo, useState } from 'react';
import { createApi } from '../src/api';
import { ConnectionBanner } from '../src/components';
import { ApiContext } from '../src/hooks';
import { Link, type Routes, renderRoute, useLocation } from '../src/router';
import { EventTypesPage } from '../src/views/catalog';
import { DeliveryList, DeliveryLookup, DeliveryPage } from '../src/views/deliveries';
import { NewSubscription, type Scope, SubscriptionList, SubscriptionPage } from '../src/views/subscriptions';

export const TOKEN_KEY = 'hookline.portalToken';
const scope: Scope = { noun: 'Endpoints', tenants: false };

export interface Branding {
  name: string;
  logoUrl: string | null;
  accent: string;
}

/**
 * The portal link is `/portal#token=...`: the fragment never reaches a server or a log. The token
 * moves to sessionStorage and the fragment leaves the address bar (and the history entry) at once.
 */
export function takeTokenFromFragment(): string | null {
  const params = new URLSearchParams(location.hash.slice(1));
  const token = params.get('token');
  if (token) {
    sessionStorage.setItem(TOKEN_KEY, token);
    history.replaceState(null, '', location.pathname + location.search);
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

const routes: Routes = [
  ['/', () => <SubscriptionList scope={scope} />],
  ['/subscriptions', () => <SubscriptionList scope={scope} />],
  ['/subscriptions/new', () => <NewSubscription scope={scope} />],
  ['/subscriptions/:id', (p) => <SubscriptionPage id={p.id!} scope={scope} />],
  [
    '/deliveries',
    () => (
      <>
        <h2>Deliveries</h2>
        <DeliveryLookup />
        <DeliveryList tenantFilter={false} />
      </>
    ),
  ],
  ['/deliveries/:id', (p) => <DeliveryPage id={p.id!} />],
  ['/event-types', () => <EventTypesPage />],
];

function Pages() {
  const { path } = useLocation();
  return renderRoute(path, routes, <p className="state">No page here.</p>);
}

export function PortalApp({ token }: { token: string | null }) {
  const [expired, setExpired] = useState(false);
  const [branding, setBranding] = useState<Branding>({ name: 'Webhooks', logoUrl: null, accent: '#4f46e5' });
  const api = useMemo(
    () =>
      createApi(
        () => token,
        () => setExpired(true),
      ),
    [token],
  );
  const { path } = useLocation();
  useEffect(() => {
    fetch('/portal/branding.json')
      .then((r) => (r.ok ? r.json() : null))
      .then((b: Branding | null) => b && setBranding(b))
      .catch(() => undefined);
  }, []);
  useEffect(() => {
    // Through the CSSOM: allowed by a style-src without 'unsafe-inline'.
    document.documentElement.style.setProperty('--accent', branding.accent);
    document.title = branding.name;
  }, [branding]);
  const current = `/${path.split('/')[1] ?? ''}`;
  const nav = [
    ['/subscriptions', 'Endpoints'],
    ['/deliveries', 'Deliveries'],
    ['/event-types', 'Event types'],
  ] as const;
  return (
    <ApiContext.Provider value={api}>
      <header className="top">
        <a className="skip" href="#main">
          Skip to content
        </a>
        {branding.logoUrl && <img className="logo" src={branding.logoUrl} alt="" />}
        <h1>{branding.name}</h1>
        <nav aria-label="Main">
          {nav.map(([to, label]) => (
            <Link
              key={to}
              to={to}
              aria-current={current === to || (to === '/subscriptions' && current === '/') ? 'page' : undefined}
            >
              {label}
            </Link>
          ))}
        </nav>
      </header>
      <ConnectionBanner />
      <main id="main">
        {!token ? (
          <div className="state error" role="alert">
            <h2>No access</h2>
            <p>Open this page from the portal link you were given.</p>
          </div>
        ) : expired ? (
          <div className="state error" role="alert">
            <h2>This link has expired</h2>
            <p>Ask for a new portal link.</p>
          </div>
        ) : (
          <Pages />
        )}
      </main>
    </ApiContext.Provider>
  );
}
