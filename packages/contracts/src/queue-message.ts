/**
 * The JSON a queue message carries, read the way every consumer of Hookline's own messages reads it:
 * one Hookline wrote itself (`trusted`: it carries the version tag its writer sets) by a shape check
 * of the fields its reader uses, anything else by the full schema. undefined when it is not JSON or
 * not of the shape.
 */
export function readQueueJson<T>(
  content: Buffer,
  trusted: boolean,
  hasShape: (value: unknown) => value is T,
  schema: { safeParse(value: unknown): { success: true; data: T } | { success: false } },
): T | undefined {
  let value: unknown;
  try {
    value = JSON.parse(content.toString('utf8'));
  } catch {
    return undefined;
  }
  if (trusted) return hasShape(value) ? value : undefined;
  const parsed = schema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}
