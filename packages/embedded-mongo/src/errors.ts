/**
 * A command failure reported to the client as `{ ok: 0, errmsg, code, codeName, ...extra }`.
 * Codes are the ones mongod uses, because drivers and mongoose branch on them
 * (11000 for duplicates, 26 for a missing namespace, 48 for an existing one).
 */
export class MongoCommandError extends Error {
  override readonly name = 'MongoCommandError';

  constructor(
    readonly code: number,
    readonly codeName: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }

  toReply(): Record<string, unknown> {
    return { ok: 0, errmsg: this.message, code: this.code, codeName: this.codeName, ...this.extra };
  }
}

export const ErrorCodes = {
  InternalError: [1, 'InternalError'],
  BadValue: [2, 'BadValue'],
  FailedToParse: [9, 'FailedToParse'],
  TypeMismatch: [14, 'TypeMismatch'],
  IllegalOperation: [20, 'IllegalOperation'],
  InvalidBSON: [22, 'InvalidBSON'],
  IndexNotFound: [27, 'IndexNotFound'],
  NamespaceNotFound: [26, 'NamespaceNotFound'],
  CursorNotFound: [43, 'CursorNotFound'],
  NamespaceExists: [48, 'NamespaceExists'],
  CommandNotFound: [59, 'CommandNotFound'],
  ImmutableField: [66, 'ImmutableField'],
  InvalidOptions: [72, 'InvalidOptions'],
  InvalidNamespace: [73, 'InvalidNamespace'],
  IndexOptionsConflict: [85, 'IndexOptionsConflict'],
  IndexKeySpecsConflict: [86, 'IndexKeySpecsConflict'],
  CannotCreateIndex: [67, 'CannotCreateIndex'],
  ProtocolError: [17, 'ProtocolError'],
  DuplicateKey: [11000, 'DuplicateKey'],
} as const satisfies Record<string, readonly [number, string]>;

export function commandError(
  kind: keyof typeof ErrorCodes,
  message: string,
  extra?: Record<string, unknown>,
): MongoCommandError {
  const [code, codeName] = ErrorCodes[kind];
  return new MongoCommandError(code, codeName, message, extra);
}

/** Anything thrown while running a command becomes a reply; unexpected errors (mingo's included) map to BadValue. */
export function toErrorReply(err: unknown): Record<string, unknown> {
  if (err instanceof MongoCommandError) return err.toReply();
  const message = err instanceof Error ? err.message : String(err);
  return commandError('BadValue', message).toReply();
}
