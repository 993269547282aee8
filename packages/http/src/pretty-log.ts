import type pino from 'pino';

/**
 * Log lines for a person at a terminal: `12:00:01.234 WARN  [hookline] rabbitmq.connect_failed err=...`
 * instead of JSON. Only the output changes: the same pino logger (redaction included) writes the JSON
 * line first, so nothing a JSON line would hide can show here. Piped or redirected output stays JSON.
 */
const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO ', 40: 'WARN ', 50: 'ERROR', 60: 'FATAL' };

export function formatLogLine(line: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const { level, time, msg, service, name, pid: _pid, hostname: _host, ...rest } = record;
  const clock = typeof time === 'string' ? time.slice(11, 23) : '';
  const fields = Object.entries(rest)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  const label = LEVELS[level as number] ?? String(level);
  return `${clock} ${label} [${String(service ?? name ?? '')}] ${String(msg ?? '')}${fields ? ` ${fields}` : ''}`;
}

export function prettyDestination(out: { write(text: string): unknown } = process.stdout): pino.DestinationStream {
  return {
    write(chunk: string) {
      for (const line of chunk.split('\n')) if (line) out.write(`${formatLogLine(line)}\n`);
    },
  };
}
