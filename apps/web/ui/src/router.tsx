import {
  type AnchorHTMLAttributes,
  createContext,
  type MouseEvent,
  type ReactNode,
  useContext,
  useSyncExternalStore,
} from 'react';

/**
 * A router of a few lines: each page (/dashboard, /portal) is one base path, and the server answers
 * every path below it with the page, so deep links and the back button work with plain history.
 */
const NAVIGATE = 'hookline:navigate';
const subscribe = (cb: () => void) => {
  window.addEventListener('popstate', cb);
  window.addEventListener(NAVIGATE, cb);
  return () => {
    window.removeEventListener('popstate', cb);
    window.removeEventListener(NAVIGATE, cb);
  };
};

export const BaseContext = createContext('');

export function navigate(to: string, replace = false): void {
  if (replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  window.dispatchEvent(new Event(NAVIGATE));
  window.scrollTo(0, 0);
}

/** The path below the page's base ('/' for the base itself) and the query string. */
export function useLocation(): { path: string; search: URLSearchParams } {
  const base = useContext(BaseContext);
  const href = useSyncExternalStore(subscribe, () => location.pathname + location.search);
  const url = new URL(href, location.origin);
  const path = url.pathname.startsWith(base) ? url.pathname.slice(base.length) || '/' : '/';
  return { path, search: url.searchParams };
}

/** `/deliveries/:id` against a path: the params, or null. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const p = pattern.split('/').filter(Boolean);
  const a = path.split('/').filter(Boolean);
  if (p.length !== a.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    const seg = p[i]!;
    const actual = a[i]!;
    if (seg.startsWith(':')) params[seg.slice(1)] = decodeURIComponent(actual);
    else if (seg !== actual) return null;
  }
  return params;
}

export function Link({ to, ...rest }: { to: string } & AnchorHTMLAttributes<HTMLAnchorElement>) {
  const base = useContext(BaseContext);
  const href = base + to;
  const onClick = (e: MouseEvent<HTMLAnchorElement>) => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(href);
  };
  return <a href={href} onClick={onClick} {...rest} />;
}

export function useNavigate(): (to: string) => void {
  const base = useContext(BaseContext);
  return (to: string) => navigate(base + to);
}

export type Routes = Array<[pattern: string, render: (params: Record<string, string>) => ReactNode]>;

/** The first route whose pattern matches the path, rendered with its params. */
export function renderRoute(path: string, routes: Routes, fallback: ReactNode): ReactNode {
  for (const [pattern, render] of routes) {
    const params = match(pattern, path);
    if (params) return render(params);
  }
  return fallback;
}
