/** Adds a database name to a MongoDB URL that has none (`mongodb://host:port` -> `.../hookline`). */
export function withDatabase(uri: string, database: string): string {
  const url = new URL(uri);
  if (url.pathname === '' || url.pathname === '/') url.pathname = `/${database}`;
  return url.toString();
}
