import { type FormEvent, useState } from 'react';
import { ApiError } from '../api';
import { Async, CopyButton, Field, Table, Time } from '../components';
import { fieldErrorsFrom } from '../forms';
import { useApi, useResource } from '../hooks';
import type { Page, Tenant } from '../types';

function PortalLink({ id }: { id: string }) {
  const api = useApi();
  const [link, setLink] = useState<{ url: string; expiresAt: string }>();
  const [error, setError] = useState<string>();
  return (
    <span className="action">
      {link ? (
        <>
          <CopyButton text={link.url} label="Copy portal link" />
          <a href={link.url} target="_blank" rel="noreferrer noopener">
            Open portal
          </a>
          <small className="muted">
            {' '}
            expires <Time at={link.expiresAt} />
          </small>
        </>
      ) : (
        <button
          type="button"
          onClick={async () => {
            setError(undefined);
            try {
              setLink(await api.post(`/tenants/${encodeURIComponent(id)}/portal`, {}));
            } catch (err) {
              setError((err as Error).message);
            }
          }}
        >
          Portal link
        </button>
      )}
      {error && (
        <small className="field-error" role="alert">
          {error}
        </small>
      )}
    </span>
  );
}

export function TenantsPage() {
  const api = useApi();
  const [cursor, setCursor] = useState<string | null>(null);
  const tenants = useResource(() => api.get<Page<Tenant>>('/tenants', { cursor, limit: 50 }), [cursor]);
  const [id, setId] = useState('');
  const [name, setName] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [other, setOther] = useState<string>();
  const create = async (e: FormEvent) => {
    e.preventDefault();
    setErrors({});
    setOther(undefined);
    try {
      await api.post('/tenants', { ...(id.trim() ? { id: id.trim() } : {}), name: name.trim() });
      setId('');
      setName('');
      tenants.reload();
    } catch (err) {
      if (err instanceof ApiError) {
        const fields: Record<string, string> = {};
        for (const d of err.details) fields[(d.field ?? '').split('.')[0] ?? ''] = d.message;
        setErrors(fields);
        if (err.details.length === 0) setOther(err.message);
        else if (!fields.id && !fields.name) setOther(fieldErrorsFrom(err).other.join('; '));
      } else setOther((err as Error).message);
    }
  };
  return (
    <section aria-label="Tenants">
      <h2>Tenants</h2>
      <form className="filters" onSubmit={create} aria-label="New tenant">
        <Field label="Tenant id (optional)" error={errors.id}>
          {(p) => <input {...p} value={id} onChange={(e) => setId(e.target.value)} placeholder="your customer id" />}
        </Field>
        <Field label="Name" error={errors.name}>
          {(p) => <input {...p} value={name} onChange={(e) => setName(e.target.value)} />}
        </Field>
        <button type="submit" className="primary">
          Create tenant
        </button>
        {other && (
          <small className="field-error" role="alert">
            {other}
          </small>
        )}
      </form>
      <Async resource={tenants} isEmpty={(t) => t.data.length === 0} empty="No tenant yet.">
        {(t) => (
          <>
            <Table headers={['Id', 'Name', 'Created', 'Portal']}>
              {t.data.map((x) => (
                <tr key={x.id}>
                  <td>{x.id}</td>
                  <td>{x.name}</td>
                  <td>
                    <Time at={x.createdAt} />
                  </td>
                  <td>
                    <PortalLink id={x.id} />
                  </td>
                </tr>
              ))}
            </Table>
            <nav className="pager" aria-label="Pages">
              <button type="button" disabled={!cursor} onClick={() => setCursor(null)}>
                First page
              </button>
              <button type="button" disabled={!t.next_cursor} onClick={() => setCursor(t.next_cursor)}>
                Next page
              </button>
            </nav>
          </>
        )}
      </Async>
    </section>
  );
}
