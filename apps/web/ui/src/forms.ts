import type { ApiError } from './api';
import type { Subscription } from './types';

/** The subscription form as typed: text for everything that is not a checkbox. */
export interface SubscriptionForm {
  url: string;
  eventTypes: string[];
  description: string;
  /** `key=value`, one a line. */
  metadata: string;
  enabled: boolean;
  tenant: string;
  /** JSON (a payload filter). */
  filter: string;
  /** A JSONata expression. */
  transform: string;
  /** `Name: value`, one a line. */
  headers: string;
  /** Deliveries per second, as typed ('' = no limit). */
  rateLimit: string;
  ordering: '' | 'fifo';
}

export const FORM_FIELDS = [
  'url',
  'eventTypes',
  'description',
  'metadata',
  'enabled',
  'tenant',
  'filter',
  'transform',
  'headers',
  'rateLimit',
  'ordering',
] as const;
export type FormField = (typeof FORM_FIELDS)[number];
export type FieldErrors = Partial<Record<FormField, string>>;

export function emptyForm(tenant = ''): SubscriptionForm {
  return {
    url: '',
    eventTypes: [],
    description: '',
    metadata: '',
    enabled: true,
    tenant,
    filter: '',
    transform: '',
    headers: '',
    rateLimit: '',
    ordering: '',
  };
}

const lines = (pairs: Record<string, string> | undefined, sep: string) =>
  Object.entries(pairs ?? {})
    .map(([k, v]) => `${k}${sep}${v}`)
    .join('\n');

export function formFromSubscription(s: Subscription): SubscriptionForm {
  return {
    url: s.url,
    eventTypes: [...s.eventTypes],
    description: s.description ?? '',
    metadata: lines(s.metadata, '='),
    enabled: s.enabled,
    tenant: s.tenant ?? '',
    filter: s.filter === undefined || s.filter === null ? '' : JSON.stringify(s.filter, null, 2),
    transform: s.transform ?? '',
    headers: lines(s.headers, ': '),
    rateLimit: s.rateLimit ? String(s.rateLimit) : '',
    ordering: s.ordering ?? '',
  };
}

/** `key=value` (or `Name: value`) lines as an object; a line without the separator is an error. */
export function parsePairs(text: string, sep: '=' | ':'): { value?: Record<string, string>; error?: string } {
  const value: Record<string, string> = {};
  const rows = text.split('\n').map((l) => l.trim());
  for (const [i, row] of rows.entries()) {
    if (!row) continue;
    const at = row.indexOf(sep);
    if (at <= 0) return { error: `line ${i + 1}: expected ${sep === '=' ? 'key=value' : 'Name: value'}` };
    value[row.slice(0, at).trim()] = row.slice(at + 1).trim();
  }
  return { value };
}

/**
 * The JSON body of a create (every field set) or of an edit (only what changed; a cleared optional
 * field is null, which removes it). Input the browser can already tell is wrong (JSON that does
 * not parse, a malformed line) comes back as field errors and no body; the rest is the API's job.
 */
export function subscriptionBody(
  form: SubscriptionForm,
  original?: Subscription,
): { body?: Record<string, unknown>; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const metadata = parsePairs(form.metadata, '=');
  if (metadata.error) errors.metadata = metadata.error;
  const headers = parsePairs(form.headers, ':');
  if (headers.error) errors.headers = headers.error;
  let filter: unknown;
  if (form.filter.trim()) {
    try {
      filter = JSON.parse(form.filter);
    } catch {
      errors.filter = 'must be valid JSON';
    }
  }
  const rateLimit = form.rateLimit.trim() === '' ? undefined : Number(form.rateLimit.trim());
  if (rateLimit !== undefined && !Number.isInteger(rateLimit))
    errors.rateLimit = 'must be a whole number of deliveries per second';
  if (Object.keys(errors).length > 0) return { errors };

  const next: Record<string, unknown> = {
    url: form.url.trim(),
    eventTypes: form.eventTypes,
    description: form.description.trim() || undefined,
    metadata: metadata.value && Object.keys(metadata.value).length > 0 ? metadata.value : undefined,
    enabled: form.enabled,
    filter,
    transform: form.transform.trim() || undefined,
    headers: headers.value && Object.keys(headers.value).length > 0 ? headers.value : undefined,
    rateLimit,
    ordering: form.ordering || undefined,
  };
  if (!original) {
    const body: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(next)) if (v !== undefined) body[k] = v;
    if (form.tenant.trim()) body.tenant = form.tenant.trim();
    return { body, errors };
  }
  const before = original as unknown as Record<string, unknown>;
  const body: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(next)) {
    const was = before[k];
    if (JSON.stringify(v) === JSON.stringify(was)) continue;
    // Cleared: null removes an optional field (PATCH semantics of the API).
    body[k] = v === undefined ? null : v;
  }
  return { body, errors };
}

/**
 * The API's 400/422 `details` as messages next to the form's fields: `eventTypes.0` belongs to
 * eventTypes, `filter.data.amount` to filter. What names no field of the form stays a form error.
 */
export function fieldErrorsFrom(err: ApiError): { fields: FieldErrors; other: string[] } {
  const fields: FieldErrors = {};
  const other: string[] = [];
  for (const d of err.details) {
    const head = (d.field ?? '').split(/[.[/]/)[0] as FormField;
    if ((FORM_FIELDS as readonly string[]).includes(head)) {
      fields[head] = fields[head] ? `${fields[head]}; ${d.message}` : d.message;
    } else other.push(d.field ? `${d.field}: ${d.message}` : d.message);
  }
  if (err.details.length === 0) other.push(err.message);
  return { fields, other };
}
