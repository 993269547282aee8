import type { IndexSpec } from '../storage/index-store';
import type { Doc } from '../storage/values';

/**
 * What the operation log stores. Every record states a final value ("this document is now X", "this one is gone")
 * rather than an operation to redo, so replaying any suffix twice converges to the same state; compaction relies on it.
 */
export type LogRecord =
  | {
      op: 'put';
      db: string;
      coll: string;
      doc: Doc;
      /** `doc` as BSON when it is exactly the bytes a client sent (an insert): logged as they are. */
      bson?: Buffer;
    }
  | { op: 'del'; db: string; coll: string; id: unknown }
  | { op: 'createColl'; db: string; coll: string; options: Doc }
  | { op: 'dropColl'; db: string; coll: string }
  | { op: 'createIndex'; db: string; coll: string; spec: IndexSpec }
  | { op: 'dropIndex'; db: string; coll: string; name: string }
  | { op: 'dropDb'; db: string };

export type Journal = (record: LogRecord) => void;
