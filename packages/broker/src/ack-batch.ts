/**
 * Which acks to send for one channel's finished messages. `outstanding`: the tags delivered and not
 * yet acked or nacked, ascending; `finished`: those whose handler has finished with an ack.
 * `upTo` acks the leading run of finished tags with one `multiple` ack (it covers exactly the
 * `prefix` first outstanding tags: a tag nacked on its own is no longer outstanding on the server);
 * `singles` are finished tags behind one still in its handler, acked one by one, so a slow handler
 * never holds back the others' acks (nor fills the prefetch window). No tag is covered before its own
 * handler has finished.
 */
export function ackPlan(
  outstanding: readonly number[],
  finished: ReadonlySet<number>,
): { upTo: number | undefined; prefix: number; singles: number[] } {
  let prefix = 0;
  while (prefix < outstanding.length && finished.has(outstanding[prefix] as number)) prefix++;
  const upTo = prefix > 0 ? outstanding[prefix - 1] : undefined;
  const singles = outstanding.slice(prefix).filter((tag) => finished.has(tag));
  return { upTo, prefix, singles };
}

/**
 * Coalesces one channel's acks: handlers that finish in the same turn of the event loop (a batch of
 * records written at once) are acked together, with `multiple` where their tags are consecutive.
 * RabbitMQ then handles one ack frame instead of one per message.
 */
export class AckBatch {
  private outstanding: number[] = [];
  private readonly finished = new Set<number>();
  private flushing?: Promise<void>;

  constructor(private readonly send: (tag: number, multiple: boolean) => void) {}

  delivered(tag: number): void {
    this.outstanding.push(tag);
  }

  /** The message was nacked on its own (requeued or rejected): it no longer holds back the run. */
  nacked(tag: number): void {
    const i = this.outstanding.indexOf(tag);
    if (i >= 0) this.outstanding.splice(i, 1);
  }

  /** Resolves once its ack has been sent (at the end of this turn of the event loop). */
  ack(tag: number): Promise<void> {
    this.finished.add(tag);
    this.flushing ??= new Promise<void>((resolve, reject) =>
      setImmediate(() => {
        this.flushing = undefined;
        try {
          this.flush();
          resolve();
        } catch (err) {
          reject(err);
        }
      }),
    );
    return this.flushing;
  }

  private flush(): void {
    const { upTo, prefix, singles } = ackPlan(this.outstanding, this.finished);
    const sent = this.outstanding.slice(0, prefix);
    this.outstanding = this.outstanding.slice(prefix);
    if (singles.length > 0) {
      const single = new Set(singles);
      this.outstanding = this.outstanding.filter((t) => !single.has(t));
      sent.push(...singles);
    }
    for (const tag of sent) this.finished.delete(tag);
    if (upTo !== undefined) this.send(upTo, prefix > 1);
    for (const tag of singles) this.send(tag, false);
  }
}
