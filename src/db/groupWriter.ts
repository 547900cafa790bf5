interface Pending<T, R> {
  item: T;
  resolve(result: R): void;
  reject(err: unknown): void;
}

/**
 * Writes that arrive while earlier groups are being written wait and go together in the next
 * one: one statement and one round trip for the group instead of one each. An idle process adds
 * no delay (a lone item goes at once). At most `maxInFlight` groups are written at a time. Each
 * submit resolves, once its group is written, with its own result: `write` returns one result
 * per item, in order (or nothing, for writes without one).
 *
 * With `lingerTurns`, once a group is written the next one waits up to that many turns of the
 * event loop (or until it is full) before it goes: each turn takes in the requests that arrived
 * meanwhile, so items already on their way join it instead of the group after. Fewer, larger
 * groups cost the database less per item (see depositBatcher.ts for the figures).
 */
export class GroupWriter<T, R = void> {
  private queue: Array<Pending<T, R>> = [];
  private inFlight = 0;
  private lingering = false;

  constructor(
    private readonly write: (items: T[]) => Promise<R[] | void>,
    private readonly maxGroup = 128,
    private readonly maxInFlight = 1,
    private readonly lingerTurns = 0,
  ) {}

  submit(item: T): Promise<R> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.lingering) this.pump();
      else if (this.queue.length >= this.maxGroup) {
        this.lingering = false;
        this.pump();
      }
    });
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.queue.length > 0) {
      const group = this.queue.splice(0, this.maxGroup);
      this.inFlight++;
      this.write(group.map((p) => p.item))
        .then(
          (results) => group.forEach((p, i) => p.resolve((results ? results[i] : undefined) as R)),
          (err) => group.forEach((p) => p.reject(err)),
        )
        .finally(() => {
          this.inFlight--;
          this.afterWrite();
        });
    }
  }

  private afterWrite(): void {
    if (this.lingerTurns <= 0) {
      this.pump();
      return;
    }
    if (this.lingering) return;
    this.lingering = true;
    let turns = 0;
    const turn = () => {
      if (!this.lingering) return; // the group filled up and went meanwhile
      if (++turns < this.lingerTurns && this.queue.length < this.maxGroup) {
        setImmediate(turn);
        return;
      }
      this.lingering = false;
      this.pump();
    };
    setImmediate(turn);
  }
}
