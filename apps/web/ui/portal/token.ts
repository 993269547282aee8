export const TOKEN_KEY = 'hookline.portalToken';

/**
 * The portal link is `/portal#token=...`: the fragment never reaches a server or a log. The token
 * moves to sessionStorage (gone with the tab; never localStorage) and the fragment leaves the address
 * bar and the history entry at once.
 */
export function takeTokenFromFragment(loc: Location = location, store: Storage = sessionStorage): string | null {
  const params = new URLSearchParams(loc.hash.slice(1));
  const token = params.get('token');
  if (token) {
    store.setItem(TOKEN_KEY, token);
    history.replaceState(null, '', loc.pathname + loc.search);
  }
  return store.getItem(TOKEN_KEY);
}
