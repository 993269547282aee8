import { ApiError } from '../api';
import { Async, Code } from '../components';
import { useApi, useResource } from '../hooks';
import type { EventType } from '../types';

/** `GET /event-types` as a list, whether it answers a page `{data}` or an array. */
export function normalizeCatalog(json: unknown): EventType[] {
  const list = Array.isArray(json) ? json : ((json as { data?: unknown })?.data ?? []);
  return (list as EventType[]).map((t) => ({ ...t, type: t.type ?? t.name ?? '' })).filter((t) => t.type);
}

/**
 * The event catalog, or null when this Hookline has no catalog route yet (then forms fall back to
 * typed event types).
 */
export function useCatalog() {
  const api = useApi();
  return useResource(async () => {
    try {
      return normalizeCatalog(await api.get('/event-types'));
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return null;
      throw err;
    }
  }, []);
}

export function EventTypesPage() {
  const catalog = useCatalog();
  return (
    <section aria-label="Event types">
      <h2>Event types</h2>
      <Async
        resource={catalog}
        isEmpty={(c) => c === null || c.length === 0}
        empty="No event catalog is served by this Hookline yet (GET /event-types)."
      >
        {(c) => (
          <ul className="cards">
            {(c ?? []).map((t) => (
              <li key={t.type} className="card">
                <h3>
                  <code>{t.type}</code> {t.deprecated && <span className="badge badge-failed">deprecated</span>}
                </h3>
                <p>{t.description ?? 'No description.'}</p>
                {t.schema !== undefined && (
                  <details>
                    <summary>Schema of data</summary>
                    <Code value={t.schema} />
                  </details>
                )}
              </li>
            ))}
          </ul>
        )}
      </Async>
    </section>
  );
}
