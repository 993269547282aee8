import type { CursorRegistry } from '../cursors';
import { commandError } from '../errors';
import type { Engine } from '../storage/engine';
import type { Doc } from '../storage/values';

/** What a command handler sees: the parsed command body (with OP_MSG document sequences merged in) and the server. */
export interface CommandContext {
  body: Doc;
  db: string;
  engine: Engine;
  cursors: CursorRegistry;
  connectionId: number;
  remoteAddress: string;
  startedAt: number;
}

export type CommandHandler = (ctx: CommandContext) => Doc;

export function requireString(body: Doc, field: string): string {
  const v = body[field];
  if (typeof v !== 'string') {
    throw commandError('BadValue', `'${field}' must be a string`);
  }
  return v;
}

export function optionalDoc(v: unknown): Doc {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Doc) : {};
}

export function asNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (v !== null && typeof v === 'object' && 'toNumber' in v && typeof v.toNumber === 'function') {
    return Number(v.toNumber());
  }
  return undefined;
}
