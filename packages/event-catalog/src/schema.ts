import { findUnsafePattern } from '@hookline/safe-pattern';
import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';

/** One violation of an event type's schema: where in `data` (a JSON pointer) and what. */
export interface SchemaViolation {
  pointer: string;
  message: string;
}

/** At most this many violations are reported for one event (allErrors on a huge array stays bounded). */
const MAX_VIOLATIONS = 50;

/**
 * Compiles a JSON Schema (draft 2020-12) for event data. One ajv per schema, as the gateway does: two
 * types may use the same `$id`. ajv never fetches remote `$ref`s; `format` is an annotation only
 * (no format plugin is installed), so a schema's formats never make a publish fail by surprise.
 */
export function compileEventSchema(schema: object): ValidateFunction {
  const ajv = new Ajv2020({ allErrors: true, strict: false, validateFormats: false });
  return ajv.compile(schema);
}

/**
 * Why a schema may not be saved, or null. Patterns are checked for catastrophic backtracking: the
 * schema runs on every published event of its type, in the photo-app's event loop.
 */
export function eventSchemaProblem(schema: unknown): { path: string; message: string } | null {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema))
    return { path: '', message: 'must be a JSON Schema object' };
  const unsafe = findUnsafePattern(schema);
  if (unsafe) return { path: unsafe.path, message: `pattern ${JSON.stringify(unsafe.pattern)} ${unsafe.reason}` };
  try {
    compileEventSchema(schema);
  } catch (err) {
    return { path: '', message: `is not a valid JSON Schema: ${(err as Error).message}` };
  }
  return null;
}

function pointerOf(error: ErrorObject): string {
  // `required` names the missing property in params, not in the path.
  const missing = (error.params as { missingProperty?: string }).missingProperty;
  const path =
    missing === undefined
      ? error.instancePath
      : `${error.instancePath}/${missing.replace(/~/g, '~0').replace(/\//g, '~1')}`;
  return path === '' ? '/' : path;
}

export function violations(validate: ValidateFunction, data: unknown): SchemaViolation[] {
  if (validate(data)) return [];
  return (validate.errors ?? []).slice(0, MAX_VIOLATIONS).map((e) => ({
    pointer: pointerOf(e),
    message: e.message ?? 'is invalid',
  }));
}
