import type { Logger } from '@hookline/http';
import type { Outcome } from '../policy/outcome';

export interface AttemptLine {
  deliveryId: string;
  eventId?: string;
  subscriptionId: string;
  attempt: number;
  round?: number;
  status: number | null;
  durationMs: number;
  outcome: Outcome['kind'];
  error: string | null;
  nextAttemptAt: Date | null;
  fifo?: true;
}

/**
 * The one `delivery.attempted` line of an attempt. A delivered attempt logs at `debug`: at thousands a
 * second an info line each costs the dispatcher a good share of its CPU, and the attempt log in MongoDB
 * has every attempt anyway. An attempt that failed (retry, failed, disable) logs at `info`, where an
 * operator looks for it.
 */
export function logAttempt(logger: Logger, line: AttemptLine): void {
  const level = line.outcome === 'delivered' ? 'debug' : 'info';
  if (logger.isLevelEnabled(level)) logger[level](line, 'delivery.attempted');
}
