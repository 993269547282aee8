import { type FormEvent, useState } from 'react';
import { ApiError } from '../api';
import { Field } from '../components';
import { type FieldErrors, fieldErrorsFrom, type SubscriptionForm, subscriptionBody } from '../forms';
import { useApi } from '../hooks';
import type { Subscription } from '../types';
import { useCatalog } from './catalog';

/**
 * Create (no `original`) or edit a subscription. Errors the API names by field appear next to that
 * field; the rest above the buttons.
 */
export function SubscriptionFormView({
  noun,
  initial,
  original,
  tenantField,
  onSaved,
  onCancel,
}: {
  /** "endpoint" in the portal, "subscription" in the dashboard. */
  noun: string;
  initial: SubscriptionForm;
  original?: Subscription;
  tenantField: boolean;
  onSaved: (s: Subscription) => void;
  onCancel?: () => void;
}) {
  const api = useApi();
  const catalog = useCatalog();
  const [form, setForm] = useState(initial);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [other, setOther] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const catalogTypes = (catalog.data ?? []).map((t) => t.type!).filter(Boolean);
  const offered = [...new Set([...catalogTypes, '*'])];
  const typed = form.eventTypes.filter((t) => !offered.includes(t));
  const [otherTypes, setOtherTypes] = useState(typed.join(', '));
  const set = <K extends keyof SubscriptionForm>(k: K, v: SubscriptionForm[K]) => setForm((f) => ({ ...f, [k]: v }));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const extra = otherTypes
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean);
    const eventTypes = [...new Set([...form.eventTypes.filter((t) => offered.includes(t)), ...extra])];
    const { body, errors: local } = subscriptionBody({ ...form, eventTypes }, original);
    setErrors(local);
    setOther([]);
    if (!body) return;
    if (original && Object.keys(body).length === 0) {
      onSaved(original);
      return;
    }
    setBusy(true);
    try {
      const saved = original
        ? await api.patch<Subscription>(`/subscription/${original.id}`, body)
        : await api.post<Subscription>('/subscription', body);
      onSaved(saved);
    } catch (err) {
      if (err instanceof ApiError) {
        const mapped = fieldErrorsFrom(err);
        setErrors(mapped.fields);
        setOther(mapped.other);
      } else setOther([(err as Error).message]);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="form" onSubmit={submit} aria-label={original ? `Edit ${noun}` : `New ${noun}`} noValidate>
      <Field label="Endpoint URL" error={errors.url}>
        {(p) => (
          <input
            {...p}
            name="url"
            type="url"
            placeholder="https://example.com/webhook"
            value={form.url}
            onChange={(e) => set('url', e.target.value)}
          />
        )}
      </Field>
      <fieldset className={errors.eventTypes ? 'field invalid' : 'field'} aria-describedby="event-types-error">
        <legend>Event types</legend>
        <div className="checks">
          {offered.map((t) => (
            <label key={t} className="check">
              <input
                type="checkbox"
                name="eventTypes"
                value={t}
                checked={form.eventTypes.includes(t)}
                onChange={(e) =>
                  set('eventTypes', e.target.checked ? [...form.eventTypes, t] : form.eventTypes.filter((x) => x !== t))
                }
              />
              {t === '*' ? '* (every event)' : t}
            </label>
          ))}
        </div>
        <label className="check-text">
          Other event types (comma-separated)
          <input name="otherEventTypes" value={otherTypes} onChange={(e) => setOtherTypes(e.target.value)} />
        </label>
        {errors.eventTypes && (
          <small id="event-types-error" className="field-error" role="alert">
            {errors.eventTypes}
          </small>
        )}
      </fieldset>
      {tenantField && (
        <Field label="Tenant" error={errors.tenant} hint="empty: default">
          {(p) => <input {...p} name="tenant" value={form.tenant} onChange={(e) => set('tenant', e.target.value)} />}
        </Field>
      )}
      <Field label="Description" error={errors.description}>
        {(p) => (
          <input
            {...p}
            name="description"
            value={form.description}
            onChange={(e) => set('description', e.target.value)}
          />
        )}
      </Field>
      <Field label="Metadata" error={errors.metadata} hint="key=value, one a line">
        {(p) => (
          <textarea
            {...p}
            name="metadata"
            rows={2}
            value={form.metadata}
            onChange={(e) => set('metadata', e.target.value)}
          />
        )}
      </Field>
      <label className="check">
        <input
          type="checkbox"
          name="enabled"
          checked={form.enabled}
          onChange={(e) => set('enabled', e.target.checked)}
        />
        Enabled
      </label>
      <details open={Boolean(form.rateLimit || form.ordering)}>
        <summary>Rate limit and ordering</summary>
        <Field
          label="Rate limit (deliveries per second)"
          error={errors.rateLimit}
          hint="empty: no limit; deliveries over it wait, none is dropped"
        >
          {(p) => (
            <input
              {...p}
              name="rateLimit"
              type="number"
              inputMode="numeric"
              min={1}
              step={1}
              value={form.rateLimit}
              onChange={(e) => set('rateLimit', e.target.value)}
            />
          )}
        </Field>
        <Field
          label="Ordering"
          error={errors.ordering}
          hint="FIFO delivers one at a time in publish order: a failing delivery holds back the rest"
        >
          {(p) => (
            <select
              {...p}
              name="ordering"
              value={form.ordering}
              onChange={(e) => set('ordering', e.target.value as SubscriptionForm['ordering'])}
            >
              <option value="">none (concurrent)</option>
              <option value="fifo">FIFO</option>
            </select>
          )}
        </Field>
      </details>
      <details open={Boolean(form.filter || form.transform || form.headers)}>
        <summary>Filter, transformation, headers</summary>
        <Field label="Payload filter (JSON)" error={errors.filter} hint='e.g. {"data": {"amount": {"$gte": 100}}}'>
          {(p) => (
            <textarea
              {...p}
              name="filter"
              rows={3}
              value={form.filter}
              onChange={(e) => set('filter', e.target.value)}
            />
          )}
        </Field>
        <Field label="Transformation (JSONata)" error={errors.transform}>
          {(p) => (
            <textarea
              {...p}
              name="transform"
              rows={2}
              value={form.transform}
              onChange={(e) => set('transform', e.target.value)}
            />
          )}
        </Field>
        <Field label="Custom headers" error={errors.headers} hint="Name: value, one a line">
          {(p) => (
            <textarea
              {...p}
              name="headers"
              rows={2}
              value={form.headers}
              onChange={(e) => set('headers', e.target.value)}
            />
          )}
        </Field>
      </details>
      {other.length > 0 && (
        <div className="state error" role="alert">
          {other.map((m) => (
            <p key={m}>{m}</p>
          ))}
        </div>
      )}
      <div className="toolbar">
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Saving…' : original ? 'Save changes' : `Create ${noun}`}
        </button>
        {onCancel && (
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}
