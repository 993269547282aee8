import { createContext, useCallback, useContext, useEffect, useRef, useState } from 'react';
import { type Api, connection } from './api';

export const ApiContext = createContext<Api | null>(null);
export function useApi(): Api {
  const api = useContext(ApiContext);
  if (!api) throw new Error('useApi outside ApiContext');
  return api;
}

export interface Resource<T> {
  data: T | undefined;
  error: Error | undefined;
  loading: boolean;
  reload: () => void;
}

/**
 * Loads once per change of `deps` and, with `refreshMs`, again on that interval (keeping the last
 * data while it reloads, so a refresh never blanks the page). A late answer of an older request
 * never overwrites a newer one.
 */
export function useResource<T>(load: () => Promise<T>, deps: unknown[], refreshMs?: number): Resource<T> {
  const [state, setState] = useState<{ data?: T; error?: Error; loading: boolean }>({ loading: true });
  const seq = useRef(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const run = useCallback(() => {
    const mine = ++seq.current;
    setState((s) => ({ ...s, loading: true }));
    loadRef.current().then(
      (data) => mine === seq.current && setState({ data, loading: false }),
      (error: Error) => mine === seq.current && setState((s) => ({ data: s.data, error, loading: false })),
    );
  }, []);
  // The caller's deps, compared by value: a new filter object with the same content is no change.
  const key = JSON.stringify(deps);
  // biome-ignore lint/correctness/useExhaustiveDependencies: key stands for the caller's deps
  useEffect(() => {
    setState({ loading: true });
    run();
    if (!refreshMs) return;
    const timer = setInterval(run, refreshMs);
    return () => clearInterval(timer);
  }, [key, refreshMs, run]);
  // Back online after a lost connection: load again what the outage broke, with no click needed.
  useEffect(() => connection.subscribe(() => connection.online() && run()), [run]);
  return { data: state.data, error: state.error, loading: state.loading, reload: run };
}
