/**
 * The one way the pages talk to Hookline: same-origin JSON calls with the credential in an
 * Authorization header (never in a URL), errors as ApiError in the API's one error shape, and a
 * connection flag that the lost-connection banner follows.
 */
export interface ErrorDetail {
  field?: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

type Listener = () => void;
let online = true;
const listeners = new Set<Listener>();
let probe: ReturnType<typeof setInterval> | undefined;

export const connection = {
  online: () => online,
  subscribe(listener: Listener): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};

function setOnline(value: boolean): void {
  if (online === value) return;
  online = value;
  for (const l of listeners) l();
  if (!value && !probe) {
    // Recover by itself: probe /healthz every 2 s until the server answers again.
    probe = setInterval(() => {
      fetch('/healthz', { cache: 'no-store' })
        .then((r) => {
          if (r.ok) {
            clearInterval(probe);
            probe = undefined;
            setOnline(true);
          }
        })
        .catch(() => undefined);
    }, 2000);
  }
}

export type Query = Record<string, string | number | boolean | undefined | null>;

export function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

export interface Api {
  get<T>(path: string, query?: Query): Promise<T>;
  post<T>(path: string, body?: unknown): Promise<T>;
  put<T>(path: string, body?: unknown): Promise<T>;
  patch<T>(path: string, body?: unknown): Promise<T>;
  del(path: string): Promise<void>;
}

/** `credential()` is read on every call: the dashboard's key may be entered after the first 401. */
export function createApi(credential: () => string | null, onUnauthorized?: (err: ApiError) => void): Api {
  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    const token = credential();
    if (token) headers.authorization = `Bearer ${token}`;
    // Every write declares JSON, with or without a body: Hookline refuses other writes (CSRF guard).
    if (method !== 'GET') headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: 'no-store',
      });
    } catch {
      setOnline(false);
      throw new ApiError(0, 'network_error', 'Hookline cannot be reached: check the connection');
    }
    setOnline(true);
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!res.ok) {
      const e = (json as { error?: { code?: string; message?: string; details?: ErrorDetail[] } } | undefined)?.error;
      const err = new ApiError(
        res.status,
        e?.code ?? `http_${res.status}`,
        e?.message ?? `${method} ${path} answered ${res.status}`,
        e?.details ?? [],
      );
      if (res.status === 401) onUnauthorized?.(err);
      throw err;
    }
    return json as T;
  }
  return {
    get: (path, query) => call('GET', withQuery(path, query)),
    post: (path, body) => call('POST', path, body),
    put: (path, body) => call('PUT', path, body),
    patch: (path, body) => call('PATCH', path, body),
    del: (path) => call<void>('DELETE', path),
  };
}
