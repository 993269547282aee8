/**
 * BSON value helpers shared by indexes, the planner and error messages.
 * Documents come from `bson.deserialize`, so special types are class instances tagged with `_bsontype`.
 */
export type Doc = Record<string, unknown>;

type Tagged = { _bsontype: string; toString(radix?: number): string };

function bsonType(v: object): string | undefined {
  const t = (v as Partial<Tagged>)._bsontype;
  return typeof t === 'string' ? t : undefined;
}

export function isPlainObject(v: unknown): v is Doc {
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * A canonical string per value so hash maps can answer equality lookups.
 * Numbers share one prefix whatever their BSON width, because mongod treats 1 (int32) and 1.0 (double) as equal.
 */
export function keyString(v: unknown): string {
  if (v === undefined || v === null) return 'N';
  switch (typeof v) {
    case 'number':
      return `n${v === 0 ? 0 : v}`;
    case 'string':
      // Length-prefixed: inside an array or document a string may hold the separators itself, and
      // ['red','ale'] must not encode like ['red,sale'] (keys identify documents by _id).
      return `s${v.length}:${v}`;
    case 'boolean':
      return v ? 'b1' : 'b0';
    case 'bigint':
      return `n${v}`;
    default:
      break;
  }
  if (v instanceof Date) return `d${v.getTime()}`;
  if (v instanceof RegExp) return `r${v.source.length}:${v.source}/${v.flags}`;
  if (Array.isArray(v)) return `[${v.map(keyString).join(',')}]`;
  if (typeof v === 'object') {
    const t = bsonType(v);
    if (t === 'ObjectId') return `o${(v as Tagged).toString()}`;
    if (t === 'Long' || t === 'Int32' || t === 'Double' || t === 'Decimal128') {
      const n = Number((v as Tagged).toString());
      return Number.isSafeInteger(n) || !Number.isInteger(n) ? `n${n === 0 ? 0 : n}` : `n${(v as Tagged).toString()}`;
    }
    if (t === 'Binary') {
      const b = v as unknown as { sub_type: number; buffer: Uint8Array };
      return `x${b.sub_type}:${Buffer.from(b.buffer).toString('base64')}`;
    }
    if (t !== undefined) {
      const text = (v as Tagged).toString();
      return `t${t}:${text.length}:${text}`;
    }
    // Embedded documents compare field by field in order, as in mongod.
    const parts: string[] = [];
    for (const [k, val] of Object.entries(v as Doc)) parts.push(`${JSON.stringify(k)}:${keyString(val)}`);
    return `{${parts.join(',')}}`;
  }
  return `?${String(v)}`;
}

/** mongod's cross-type sort order (MinKey < null < numbers < strings < objects < arrays < ... < MaxKey). */
export function typeRank(v: unknown): number {
  if (v === undefined || v === null) return 2;
  switch (typeof v) {
    case 'number':
    case 'bigint':
      return 3;
    case 'string':
      return 4;
    case 'boolean':
      return 9;
    default:
      break;
  }
  if (v instanceof Date) return 10;
  if (v instanceof RegExp) return 12;
  if (Array.isArray(v)) return 6;
  if (typeof v === 'object') {
    switch (bsonType(v)) {
      case undefined:
        return 5;
      case 'MinKey':
        return 1;
      case 'MaxKey':
        return 13;
      case 'Long':
      case 'Int32':
      case 'Double':
      case 'Decimal128':
        return 3;
      case 'BSONSymbol':
        return 4;
      case 'Binary':
        return 7;
      case 'ObjectId':
        return 8;
      case 'Timestamp':
        return 11;
      case 'BSONRegExp':
        return 12;
      default:
        return 5;
    }
  }
  return 14;
}

function toNumber(v: unknown): number {
  return typeof v === 'number' ? v : Number(String(v));
}

export function compareValues(a: unknown, b: unknown): number {
  const ra = typeRank(a);
  const rb = typeRank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  switch (ra) {
    case 1:
    case 2:
    case 13:
      return 0;
    case 3: {
      const x = toNumber(a);
      const y = toNumber(b);
      return x < y ? -1 : x > y ? 1 : 0;
    }
    case 4: {
      const x = String(a);
      const y = String(b);
      return x < y ? -1 : x > y ? 1 : 0;
    }
    case 9:
      return a === b ? 0 : a ? 1 : -1;
    case 10: {
      const x = (a as Date).getTime();
      const y = (b as Date).getTime();
      return x < y ? -1 : x > y ? 1 : 0;
    }
    case 6: {
      const xs = a as unknown[];
      const ys = b as unknown[];
      for (let i = 0; i < Math.min(xs.length, ys.length); i++) {
        const c = compareValues(xs[i], ys[i]);
        if (c !== 0) return c;
      }
      return xs.length - ys.length;
    }
    case 5: {
      const xs = Object.entries(a as Doc);
      const ys = Object.entries(b as Doc);
      for (let i = 0; i < Math.min(xs.length, ys.length); i++) {
        const [kx, vx] = xs[i] as [string, unknown];
        const [ky, vy] = ys[i] as [string, unknown];
        const c = compareValues(vx, vy) || (kx < ky ? -1 : kx > ky ? 1 : 0);
        if (c !== 0) return c;
      }
      return xs.length - ys.length;
    }
    default: {
      // ObjectId hex strings sort like their bytes; other rare types fall back to their string form.
      const x = keyString(a);
      const y = keyString(b);
      return x < y ? -1 : x > y ? 1 : 0;
    }
  }
}

/** Deep copy that keeps BSON class instances (structuredClone would turn an ObjectId into a plain object). */
export function deepClone<T>(v: T): T {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(deepClone) as T;
  if (v instanceof Date) return new Date(v.getTime()) as T;
  if (!isPlainObject(v)) return v;
  const out: Doc = {};
  for (const [k, val] of Object.entries(v)) out[k] = deepClone(val);
  return out as T;
}

/**
 * Every value an index sees at `path`, descending into arrays the way mongod builds multikey index entries.
 * `multikey` reports whether an array was expanded, which limits how range bounds may be combined.
 */
export function pathValues(doc: unknown, path: string): { values: unknown[]; multikey: boolean } {
  const out: unknown[] = [];
  let multikey = false;
  const walk = (cur: unknown, parts: readonly string[], i: number): void => {
    if (i === parts.length) {
      if (Array.isArray(cur)) {
        multikey = true;
        if (cur.length === 0) out.push(undefined);
        for (const el of cur) out.push(el);
      } else {
        out.push(cur);
      }
      return;
    }
    const part = parts[i] as string;
    if (Array.isArray(cur)) {
      if (/^\d+$/.test(part) && Number(part) < cur.length) {
        walk(cur[Number(part)], parts, i + 1);
        return;
      }
      multikey = true;
      let any = false;
      for (const el of cur) {
        if (isPlainObject(el)) {
          any = true;
          walk(el[part], parts, i + 1);
        }
      }
      if (!any) out.push(undefined);
      return;
    }
    if (isPlainObject(cur)) {
      walk(cur[part], parts, i + 1);
      return;
    }
    out.push(undefined);
  };
  walk(doc, path.split('.'), 0);
  return { values: out, multikey };
}

/** Whether the field is present at all; sparse indexes skip documents missing every indexed field. */
export function hasPath(doc: unknown, path: string): boolean {
  const { values } = pathValues(doc, path);
  return values.some((v) => v !== undefined);
}

/** Renders a value the way mongod prints it in E11000 messages: `{ name: "x" }`. */
export function formatValue(v: unknown): string {
  if (v === undefined || v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (v instanceof Date) return `new Date(${v.getTime()})`;
  if (Array.isArray(v)) return `[ ${v.map(formatValue).join(', ')} ]`;
  if (typeof v === 'object') {
    const t = bsonType(v);
    if (t === 'ObjectId') return `ObjectId('${(v as Tagged).toString()}')`;
    if (t !== undefined) return `${t}(${(v as Tagged).toString()})`;
    const entries = Object.entries(v as Doc);
    if (entries.length === 0) return '{}';
    return `{ ${entries.map(([k, val]) => `${k}: ${formatValue(val)}`).join(', ')} }`;
  }
  return String(v);
}
