import { compileFilter, type Matcher } from './matcher';
import { SortedList } from './sorted-list';
import { compareValues, type Doc, hasPath, keyString, pathValues, typeRank } from './values';

export interface IndexSpec {
  v?: number;
  name: string;
  key: Record<string, unknown>;
  unique?: boolean;
  sparse?: boolean;
  partialFilterExpression?: Doc;
  expireAfterSeconds?: number;
  [option: string]: unknown;
}

interface Entry {
  key: unknown[];
  id: string;
}

/** A bound on one key component; `lo`/`hi` absent means open on that side (within the type bracket). */
export interface Range {
  lo?: unknown;
  loInclusive: boolean;
  hi?: unknown;
  hiInclusive: boolean;
}

/** Compound keys with mixed arrays can explode; mongod refuses "parallel arrays", we just cap them. */
const MAX_KEYS_PER_DOC = 1000;

function compareEntries(a: Entry, b: Entry): number {
  for (let i = 0; i < a.key.length; i++) {
    const c = compareValues(a.key[i], b.key[i]);
    if (c !== 0) return c;
  }
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Exactly the same index key (compareValues is exact where keyString, a hash key, may collide). */
function sameKey(a: unknown[], b: unknown[]): boolean {
  return a.length === b.length && a.every((v, i) => compareValues(v, b[i]) === 0 && typeRank(v) === typeRank(b[i]));
}

function comparePrefix(key: unknown[], prefix: unknown[]): number {
  for (let i = 0; i < prefix.length; i++) {
    const c = compareValues(key[i], prefix[i]);
    if (c !== 0) return c;
  }
  return 0;
}

export function fullKeyString(key: unknown[]): string {
  return key.length === 1 ? keyString(key[0]) : JSON.stringify(key.map(keyString));
}

/**
 * One secondary index: a sorted list answers equality, prefix and range scans; a unique index also
 * keeps a hash map from key to document id, for its O(1) duplicate check on every write.
 */
export class Index {
  readonly fields: string[];
  /**
   * Unique indexes only: keyString -> id, or a set of ids when several documents share a key (a unique
   * index built with `enforce` off while replaying a log suffix). Other indexes keep no map: building
   * its key string and updating it cost a write more than the sorted insert, and equality on the
   * sorted list is a binary search.
   */
  private readonly hash: Map<string, string | Set<string>> | undefined;
  private readonly sorted = new SortedList<Entry>(compareEntries);
  private readonly partial: Matcher | undefined;
  /** Whether no field is a dotted path: a document's top-level values are then its keys (unless arrays). */
  private readonly flat: boolean;
  /** Set once any document produced several keys; range bounds on two sides are then unsafe to intersect. */
  multikey = false;

  constructor(readonly spec: IndexSpec) {
    this.fields = Object.keys(spec.key);
    this.hash = spec.unique === true ? new Map() : undefined;
    // Compiled like a query's filter: simple equalities (`{status: 'paused'}`) skip mingo. An empty
    // filter compiles to null, which matches everything, as mongod's does.
    const partial = spec.partialFilterExpression;
    this.partial = partial ? (compileFilter(partial) ?? undefined) : undefined;
    this.flat = this.fields.every((f) => !f.includes('.'));
  }

  get unique(): boolean {
    return this.spec.unique === true;
  }

  /** Text, hashed and geo indexes are accepted for compatibility but never used to answer queries. */
  get ordinary(): boolean {
    return Object.values(this.spec.key).every((d) => typeof d === 'number');
  }

  /** The distinct keys of a document, or null when a sparse/partial index leaves it out. */
  keysFor(doc: Doc): unknown[][] | null {
    if (this.spec.sparse && !this.fields.some((f) => hasPath(doc, f))) return null;
    if (this.partial && !this.partial(doc)) return null;
    const single = this.flat ? this.singleKey(doc) : undefined;
    if (single) return [single];
    let combos: unknown[][] = [[]];
    for (const field of this.fields) {
      const { values, multikey } = pathValues(doc, field);
      if (multikey) this.multikey = true;
      const seen = new Set<string>();
      const distinct = values.filter((v) => {
        const k = keyString(v);
        if (seen.has(k)) return false;
        seen.add(k);
        return true;
      });
      const next: unknown[][] = [];
      for (const combo of combos) {
        for (const v of distinct) {
          if (next.length < MAX_KEYS_PER_DOC) next.push([...combo, v]);
        }
      }
      combos = next;
    }
    return combos;
  }

  /**
   * The one key of a document whose indexed fields are top-level and hold no array (nearly every
   * write), read directly; undefined when an array is met, for keysFor's general walk.
   */
  private singleKey(doc: Doc): unknown[] | undefined {
    const key: unknown[] = [];
    for (const field of this.fields) {
      const v = doc[field];
      if (Array.isArray(v)) return undefined;
      key.push(v);
    }
    return key;
  }

  /** The first key of `doc` already owned by another document, for unique enforcement. */
  findConflict(id: string, doc: Doc): unknown[] | null {
    const hash = this.hash;
    if (!hash) return null;
    for (const key of this.keysFor(doc) ?? []) {
      const owner = hash.get(fullKeyString(key));
      if (owner === undefined) continue;
      if (typeof owner === 'string' ? owner !== id : [...owner].some((o) => o !== id)) return key;
    }
    return null;
  }

  add(id: string, doc: Doc): void {
    this.addKeys(id, this.keysFor(doc));
  }

  remove(id: string, doc: Doc): void {
    this.removeKeys(id, this.keysFor(doc));
  }

  /** Moves `id` from `before`'s keys to `after`'s, touching nothing when they are the same keys (the usual update). */
  update(id: string, before: Doc, after: Doc): void {
    const a = this.keysFor(before);
    const b = this.keysFor(after);
    if (a && b && a.length === b.length && a.every((k, i) => sameKey(k, b[i] as unknown[]))) return;
    this.removeKeys(id, a);
    this.addKeys(id, b);
  }

  private addKeys(id: string, keys: unknown[][] | null): void {
    const hash = this.hash;
    for (const key of keys ?? []) {
      if (hash) {
        const ks = fullKeyString(key);
        const owner = hash.get(ks);
        if (owner === undefined) hash.set(ks, id);
        else if (typeof owner === 'string') hash.set(ks, new Set([owner, id]));
        else owner.add(id);
      }
      this.sorted.insert({ key, id });
    }
  }

  private removeKeys(id: string, keys: unknown[][] | null): void {
    const hash = this.hash;
    for (const key of keys ?? []) {
      if (hash) {
        const ks = fullKeyString(key);
        const owner = hash.get(ks);
        if (owner === id) hash.delete(ks);
        else if (owner instanceof Set) {
          owner.delete(id);
          if (owner.size === 0) hash.delete(ks);
          else if (owner.size === 1) hash.set(ks, owner.values().next().value as string);
        }
      }
      this.sorted.remove({ key, id });
    }
  }

  clear(): void {
    this.hash?.clear();
    this.sorted.clear();
    this.multikey = false;
  }

  /** Ids whose full key equals `key` (all fields bound), from a unique index's map. */
  private lookup(hash: Map<string, string | Set<string>>, key: unknown[], out: (id: string) => void): void {
    const owner = hash.get(fullKeyString(key));
    if (owner === undefined) return;
    if (typeof owner === 'string') out(owner);
    else for (const id of owner) out(id);
  }

  /**
   * Ids whose key starts with `prefix`, optionally constrained on the next component by `range`.
   * Ranges stay within one BSON type (type bracketing), as mongod's $gt/$lt do.
   */
  scan(prefix: unknown[], range: Range | undefined, out: (id: string) => void): void {
    if (this.hash && prefix.length === this.fields.length) {
      this.lookup(this.hash, prefix, out);
      return;
    }
    const p = prefix.length;
    const bound = range?.lo !== undefined ? range.lo : range?.hi;
    const rank = range && bound !== undefined ? typeRank(bound) : undefined;
    const isBefore = (e: Entry): boolean => {
      const c = comparePrefix(e.key, prefix);
      if (c !== 0) return c < 0;
      if (!range || rank === undefined) return false;
      const v = e.key[p];
      const r = typeRank(v);
      if (r !== rank) return r < rank;
      if (range.lo === undefined) return false;
      const lc = compareValues(v, range.lo);
      return range.loInclusive ? lc < 0 : lc <= 0;
    };
    this.sorted.scan(isBefore, (e) => {
      if (comparePrefix(e.key, prefix) !== 0) return false;
      if (range && rank !== undefined) {
        const v = e.key[p];
        if (typeRank(v) !== rank) return false;
        if (range.hi !== undefined) {
          const hc = compareValues(v, range.hi);
          if (range.hiInclusive ? hc > 0 : hc >= 0) return false;
        }
      }
      out(e.id);
      return true;
    });
  }
}
