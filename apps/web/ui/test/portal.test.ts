import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_BRANDING, mergeBranding } from '../portal/branding';
import { TOKEN_KEY, takeTokenFromFragment } from '../portal/token';

describe('portal branding', () => {
  const env = { name: 'Acme webhooks', logoUrl: 'https://acme.example/logo.svg', accent: '#112233' };

  it("takes each of the tenant's values over the env's, one by one", () => {
    expect(mergeBranding(env, undefined)).toEqual(env);
    expect(mergeBranding(env, {})).toEqual(env);
    expect(mergeBranding(env, { name: 'Globex hooks', accent: '#0a7' })).toEqual({
      name: 'Globex hooks',
      logoUrl: 'https://acme.example/logo.svg',
      accent: '#0a7',
    });
    expect(mergeBranding(DEFAULT_BRANDING, { logoUrl: 'https://g.example/l.png' }).logoUrl).toBe(
      'https://g.example/l.png',
    );
  });
});

describe('the portal link token', () => {
  afterEach(() => {
    sessionStorage.clear();
    history.replaceState(null, '', '/');
  });

  it('moves from the fragment to sessionStorage and leaves the address bar', () => {
    history.replaceState(null, '', '/portal/deliveries?x=1#token=hlt_abc.def');
    expect(takeTokenFromFragment()).toBe('hlt_abc.def');
    expect(location.href).not.toContain('hlt_');
    expect(location.pathname + location.search).toBe('/portal/deliveries?x=1');
    expect(sessionStorage.getItem(TOKEN_KEY)).toBe('hlt_abc.def');
    expect(localStorage.length).toBe(0);
  });

  it('a reload without a fragment keeps the tab’s token; no link, no token', () => {
    expect(takeTokenFromFragment()).toBeNull();
    sessionStorage.setItem(TOKEN_KEY, 'hlt_kept');
    expect(takeTokenFromFragment()).toBe('hlt_kept');
  });
});
