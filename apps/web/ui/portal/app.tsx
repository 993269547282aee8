import { useEffect, useMemo, useState } from 'react';
import { createApi } from '../src/api';
import { ConnectionBanner } from '../src/components';
import { ApiContext } from '../src/hooks';
import { Link, type Routes, renderRoute, useLocation } from '../src/router';
import { EventTypesPage } from '../src/views/catalog';
import { DeliveryList, DeliveryLookup, DeliveryPage } from '../src/views/deliveries';
import { NewSubscription, type Scope, SubscriptionList, SubscriptionPage } from '../src/views/subscriptions';
import { type Branding, DEFAULT_BRANDING, mergeBranding, type PortalSession } from './branding';

const scope: Scope = { noun: 'Endpoints', singular: 'endpoint', tenants: false };

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
        <DeliveryList tenantFilter={false} owner="Endpoint" />
      </>
    ),
  ],
  ['/deliveries/:id', (p) => <DeliveryPage id={p.id!} owner="Endpoint" />],
  ['/event-types', () => <EventTypesPage />],
];

const NAV = [
  ['/subscriptions', 'Endpoints'],
  ['/deliveries', 'Deliveries'],
  ['/event-types', 'Event types'],
] as const;

function Pages() {
  const { path } = useLocation();
  return renderRoute(path, routes, <p className="state">No page here.</p>);
}

export function PortalApp({ token }: { token: string | null }) {
  const [expired, setExpired] = useState(false);
  const [envBranding, setEnvBranding] = useState<Branding>(DEFAULT_BRANDING);
  const [session, setSession] = useState<PortalSession>();
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
      .then((b: Branding | null) => b && setEnvBranding(b))
      .catch(() => undefined);
  }, []);
  useEffect(() => {
    if (!token) return;
    // A 401 here is the expired-link page (onUnauthorized); anything else keeps the env's branding.
    api.get<PortalSession>('/tenant').then(setSession, () => undefined);
  }, [api, token]);
  const branding = mergeBranding(envBranding, session?.branding);
  useEffect(() => {
    // Through the CSSOM: allowed by a style-src without 'unsafe-inline'.
    document.documentElement.style.setProperty('--accent', branding.accent);
    document.title = branding.name;
  }, [branding.accent, branding.name]);
  const current = `/${path.split('/')[1] ?? ''}`;
  return (
    <ApiContext.Provider value={api}>
      <header className="top">
        <a className="skip" href="#main">
          Skip to content
        </a>
        {branding.logoUrl && <img className="logo" src={branding.logoUrl} alt="" />}
        <h1>{branding.name}</h1>
        {session && (
          <span className="muted tenant-name" data-testid="tenant-name">
            {session.tenant.name}
          </span>
        )}
        <nav aria-label="Main">
          {NAV.map(([to, label]) => (
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
            <h2>This link has expired or is not valid</h2>
            <p>Ask for a new portal link.</p>
          </div>
        ) : (
          <Pages />
        )}
      </main>
    </ApiContext.Provider>
  );
}
