import { type ReactNode, useId, useState, useSyncExternalStore } from 'react';
import { ApiError, connection } from './api';
import { nextPage, type Pager, pageNumber, previousPage } from './filters';

export function Loading({ what = 'Loading' }: { what?: string }) {
  return (
    <p className="state" role="status" aria-live="polite">
      {what}…
    </p>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="state empty">{children}</p>;
}

export function ErrorState({ error, retry }: { error: Error; retry?: () => void }) {
  const notFound = error instanceof ApiError && error.status === 404;
  return (
    <div className="state error" role="alert">
      <p>
        <strong>{notFound ? 'Not found' : 'Something went wrong'}</strong>: {error.message}
      </p>
      {retry && !notFound && (
        <button type="button" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  );
}

/** Loading, error and empty states around a resource, the same way on every page. */
export function Async<T>({
  resource,
  empty,
  isEmpty,
  children,
}: {
  resource: { data: T | undefined; error: Error | undefined; loading: boolean; reload: () => void };
  empty?: ReactNode;
  isEmpty?: (data: T) => boolean;
  children: (data: T) => ReactNode;
}) {
  if (resource.data === undefined) {
    if (resource.error) return <ErrorState error={resource.error} retry={resource.reload} />;
    return <Loading />;
  }
  return (
    <>
      {resource.error && <ErrorState error={resource.error} retry={resource.reload} />}
      {isEmpty?.(resource.data) ? <Empty>{empty ?? 'Nothing here yet.'}</Empty> : children(resource.data)}
    </>
  );
}

/** A labelled control with its error right below it (the API's `details` for that field). */
export function Field({
  label,
  error,
  hint,
  children,
}: {
  label: string;
  error?: string | undefined;
  hint?: string;
  children: (props: { id: string; 'aria-invalid': boolean; 'aria-describedby': string | undefined }) => ReactNode;
}) {
  const id = useId();
  const errorId = `${id}-error`;
  const hintId = `${id}-hint`;
  const describedBy = [error ? errorId : '', hint ? hintId : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div className={error ? 'field invalid' : 'field'}>
      <label htmlFor={id}>{label}</label>
      {children({ id, 'aria-invalid': Boolean(error), 'aria-describedby': describedBy })}
      {hint && (
        <small id={hintId} className="hint">
          {hint}
        </small>
      )}
      {error && (
        <small id={errorId} className="field-error" role="alert">
          {error}
        </small>
      )}
    </div>
  );
}

export function ConnectionBanner() {
  const online = useSyncExternalStore(connection.subscribe, connection.online);
  if (online) return null;
  return (
    <div className="banner" role="alert">
      Connection to Hookline lost: retrying every 2 seconds…
    </div>
  );
}

export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge badge-${status}`}>{status}</span>;
}

export function Time({ at }: { at: string | null | undefined }) {
  if (!at) return <span>—</span>;
  const d = new Date(at);
  return <time dateTime={at}>{d.toLocaleString()}</time>;
}

export function Code({ value }: { value: unknown }) {
  const text = typeof value === 'string' ? value : JSON.stringify(value, null, 2);
  return <pre className="code">{text}</pre>;
}

export function CopyButton({ text, label }: { text: string; label: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      onClick={() => {
        void navigator.clipboard?.writeText(text).then(() => setCopied(true));
      }}
    >
      {copied ? 'Copied' : label}
    </button>
  );
}

/** An action button that shows its own progress and error. */
export function ActionButton({
  label,
  run,
  confirm,
  className,
}: {
  label: string;
  run: () => Promise<unknown>;
  confirm?: string;
  className?: string;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  return (
    <span className="action">
      <button
        type="button"
        className={className}
        disabled={busy}
        onClick={async () => {
          if (confirm && !window.confirm(confirm)) return;
          setBusy(true);
          setError(undefined);
          try {
            await run();
          } catch (err) {
            setError((err as Error).message);
          } finally {
            setBusy(false);
          }
        }}
      >
        {busy ? `${label}…` : label}
      </button>
      {error && (
        <small className="field-error" role="alert">
          {error}
        </small>
      )}
    </span>
  );
}

/** A table that scrolls sideways inside its frame on narrow screens instead of widening the page. */
export function Table({ headers, children }: { headers: readonly (string | false)[]; children: ReactNode }) {
  return (
    <div className="table-wrap">
      <table>
        <thead>
          <tr>
            {headers.filter(Boolean).map((h) => (
              <th key={h as string} scope="col">
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}

/** Previous / next over a cursor-paged list (see Pager in filters.ts). */
export function PagerNav({
  pager,
  setPager,
  next,
}: {
  pager: Pager;
  setPager: (p: Pager) => void;
  next: string | null;
}) {
  return (
    <nav className="pager" aria-label="Pages">
      <button type="button" disabled={pageNumber(pager) === 1} onClick={() => setPager(previousPage(pager))}>
        Previous page
      </button>
      <span>Page {pageNumber(pager)}</span>
      <button type="button" disabled={!next} onClick={() => next && setPager(nextPage(pager, next))}>
        Next page
      </button>
    </nav>
  );
}
