/**
 * A seeded request generator over an OpenAPI 3.1 document: for every operation, values drawn from
 * its parameter and body schemas, boundary values (empty, one past each limit, huge numbers), values of
 * the wrong type and hostile strings. The same seed gives the same requests, so a failure replays.
 */

// biome-ignore lint/suspicious/noExplicitAny: OpenAPI documents are walked as plain JSON
type Json = any;

export interface Operation {
  method: string;
  path: string;
  op: Json;
}

export interface FuzzRequest {
  method: string;
  /** Path and query, ready to append to the app's base URL. */
  url: string;
  body?: string;
  contentType?: string;
}

/** mulberry32: small, fast, and the same sequence for the same seed on every machine. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HOSTILE: unknown[] = [
  '',
  ' ',
  'a'.repeat(10_000),
  '\u0000',
  '%00',
  '../../etc/passwd',
  '__proto__',
  'constructor',
  '😀'.repeat(50),
  "' OR 1=1 --",
  '<script>alert(1)</script>',
  '{"$gt":""}',
  { $gt: '' },
  // Parsed, not written as literals: a literal `__proto__` sets the prototype and JSON.stringify drops it.
  JSON.parse('{"__proto__": {"polluted": true}}'),
  JSON.parse('{"constructor": {"prototype": {"polluted": true}}}'),
  'X-Injected\r\nSet-Cookie: a=b',
  'sub_😀',
  -1,
  0,
  1.5,
  2 ** 53,
  1e308,
  -1e308,
  true,
  null,
  [],
  {},
  [[[[[[]]]]]],
];

/** URLs a subscription may be given: none reaches anything (.invalid never resolves; the rest are refused). */
const URLS = [
  'https://hooks.invalid/fuzz',
  'http://198.18.0.1/',
  'http://169.254.169.254/latest/meta-data',
  'http://[::1]:1/',
  'ftp://hooks.invalid/',
  `https://hooks.invalid/${'x'.repeat(3000)}`,
];

export function operations(doc: Json): Operation[] {
  const out: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths ?? {}) as Array<[string, Json]>) {
    for (const method of ['get', 'post', 'put', 'patch', 'delete']) {
      if (item[method]) out.push({ method: method.toUpperCase(), path, op: item[method] });
    }
  }
  return out;
}

export class Generator {
  constructor(
    private readonly doc: Json,
    private readonly rand: () => number,
  ) {}

  private pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.rand() * list.length)] as T;
  }

  private resolve(schema: Json): Json {
    let s = schema;
    for (let i = 0; i < 10 && s && typeof s.$ref === 'string'; i++) {
      const name = s.$ref.replace('#/components/schemas/', '');
      s = this.doc.components?.schemas?.[name];
    }
    return s ?? {};
  }

  /** A value for `schema`: mostly well-formed, sometimes at or past a boundary, sometimes hostile. */
  value(schema: Json, key = '', depth = 0): unknown {
    const s = this.resolve(schema);
    if (this.rand() < 0.15 || depth > 4) return this.pick(HOSTILE);
    const alternatives = s.anyOf ?? s.oneOf;
    if (Array.isArray(alternatives) && alternatives.length > 0) return this.value(this.pick(alternatives), key, depth);
    if (Array.isArray(s.enum) && this.rand() < 0.8) return this.pick(s.enum);
    if (s.const !== undefined && this.rand() < 0.8) return s.const;
    const type = Array.isArray(s.type) ? this.pick(s.type) : s.type;
    switch (type) {
      case 'string':
        return this.string(s, key);
      case 'integer':
      case 'number':
        return this.number(s, type === 'integer');
      case 'boolean':
        return this.rand() < 0.5;
      case 'null':
        return null;
      case 'array': {
        const max = typeof s.maxItems === 'number' ? s.maxItems : 3;
        const n = this.rand() < 0.1 ? Math.min(max + 1, 1001) : Math.floor(this.rand() * Math.min(max, 3) + 0.5);
        return Array.from({ length: n }, () => this.value(s.items ?? {}, key, depth + 1));
      }
      case 'object':
        return this.object(s, depth);
      default:
        return s.properties ? this.object(s, depth) : this.pick(HOSTILE);
    }
  }

  private string(s: Json, key: string): string {
    if (s.format === 'uri' || s.format === 'url' || /url/i.test(key)) return this.pick(URLS);
    if (s.format === 'date-time')
      return this.pick([new Date().toISOString(), '2026-13-45T99:99:99Z', '0000-01-01T00:00:00Z']);
    const min = typeof s.minLength === 'number' ? s.minLength : 0;
    const max = typeof s.maxLength === 'number' ? s.maxLength : 40;
    const length = this.pick([min, Math.max(min, 1), max, max + 1, Math.floor(this.rand() * Math.min(max, 40))]);
    const alphabet = s.pattern ? 'abcdefghijklmnopqrstuvwxyz0123456789' : 'abcXYZ019_.:-/ %?#&=';
    let out = '';
    for (let i = 0; i < Math.min(length, 20_000); i++) out += alphabet[Math.floor(this.rand() * alphabet.length)];
    return out;
  }

  private number(s: Json, integer: boolean): number {
    const min = typeof s.minimum === 'number' ? s.minimum : -1e6;
    const max = typeof s.maximum === 'number' ? s.maximum : 1e6;
    const v = this.pick([min, max, min - 1, max + 1, min + (max - min) * this.rand()]);
    return integer ? Math.round(v) : v;
  }

  private object(s: Json, depth: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const required = new Set<string>(s.required ?? []);
    for (const [k, v] of Object.entries(s.properties ?? {})) {
      if (required.has(k) ? this.rand() < 0.9 : this.rand() < 0.5) out[k] = this.value(v, k, depth + 1);
    }
    if (this.rand() < 0.1) out[`extra_${Math.floor(this.rand() * 100)}`] = this.pick(HOSTILE);
    return out;
  }

  request(operation: Operation): FuzzRequest {
    const { op, method } = operation;
    let path = operation.path;
    const query = new URLSearchParams();
    for (const p of (op.parameters ?? []) as Json[]) {
      const v = this.value(p.schema ?? { type: 'string' }, p.name);
      const text = typeof v === 'string' ? v : JSON.stringify(v);
      if (p.in === 'path') path = path.replace(`{${p.name}}`, encodeURIComponent(text || 'x'));
      else if (p.in === 'query' && this.rand() < 0.6) query.append(p.name, text.slice(0, 4000));
    }
    path = path.replace(/\{[^}]+\}/g, () => encodeURIComponent(this.string({}, '') || 'x'));
    const search = query.toString();
    const url = `${path}${search ? `?${search}` : ''}`;
    const schema = op.requestBody?.content?.['application/json']?.schema;
    if (method === 'GET' || method === 'DELETE') return { method, url };
    const roll = this.rand();
    if (roll < 0.05) return { method, url, body: '{"type": "x", "data":', contentType: 'application/json' };
    if (roll < 0.08) return { method, url, body: 'plain text', contentType: 'text/plain' };
    if (!schema) return { method, url, contentType: 'application/json' };
    return { method, url, body: JSON.stringify(this.value(schema)), contentType: 'application/json' };
  }
}
