/**
 * An ordered multiset kept as a list of small sorted chunks (the "sortedcontainers" layout).
 * A flat sorted array would cost an O(n) splice per insert (100k documents x 3 indexes made loading slow);
 * chunks keep inserts and deletes near O(log n + CHUNK) and range scans a plain walk.
 */
const CHUNK = 512;

export class SortedList<T> {
  private chunks: T[][] = [];
  private count = 0;

  constructor(private readonly cmp: (a: T, b: T) => number) {}

  get size(): number {
    return this.count;
  }

  /** Index of the first chunk whose last element is not before `x` (the last chunk when x is beyond all). */
  private chunkFor(isBefore: (e: T) => boolean): number {
    let lo = 0;
    let hi = this.chunks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const chunk = this.chunks[mid] as T[];
      if (isBefore(chunk[chunk.length - 1] as T)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private static firstNotBefore<T>(chunk: T[], isBefore: (e: T) => boolean): number {
    let lo = 0;
    let hi = chunk.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (isBefore(chunk[mid] as T)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  insert(x: T): void {
    this.count++;
    if (this.chunks.length === 0) {
      this.chunks.push([x]);
      return;
    }
    const isBefore = (e: T): boolean => this.cmp(e, x) <= 0;
    const ci = this.chunkFor(isBefore);
    const chunk = this.chunks[ci] as T[];
    chunk.splice(SortedList.firstNotBefore(chunk, isBefore), 0, x);
    if (chunk.length > 2 * CHUNK) this.chunks.splice(ci + 1, 0, chunk.splice(CHUNK));
  }

  /** Removes one element comparing equal to `x`; callers make elements unique by a tie-breaker. */
  remove(x: T): boolean {
    if (this.chunks.length === 0) return false;
    const isBefore = (e: T): boolean => this.cmp(e, x) < 0;
    const ci = this.chunkFor(isBefore);
    const chunk = this.chunks[ci] as T[];
    const i = SortedList.firstNotBefore(chunk, isBefore);
    if (i >= chunk.length || this.cmp(chunk[i] as T, x) !== 0) return false;
    chunk.splice(i, 1);
    this.count--;
    if (chunk.length === 0) this.chunks.splice(ci, 1);
    return true;
  }

  /**
   * Visits elements in order starting at the first one for which `isBefore` is false,
   * until `visit` returns false. `isBefore` must be monotonic over the order.
   */
  scan(isBefore: (e: T) => boolean, visit: (e: T) => boolean): void {
    if (this.chunks.length === 0) return;
    let ci = this.chunkFor(isBefore);
    let i = SortedList.firstNotBefore(this.chunks[ci] as T[], isBefore);
    for (; ci < this.chunks.length; ci++, i = 0) {
      const chunk = this.chunks[ci] as T[];
      for (; i < chunk.length; i++) if (!visit(chunk[i] as T)) return;
    }
  }

  clear(): void {
    this.chunks = [];
    this.count = 0;
  }
}
