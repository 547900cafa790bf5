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
 */
export class GroupWriter<T, R = void> {
  private queue: Array<Pending<T, R>> = [];
  private inFlight = 0;

  constructor(
    private readonly write: (items: T[]) => Promise<R[] | void>,
    private readonly maxGroup = 128,
    private readonly maxInFlight = 1,
  ) {}

  submit(item: T): Promise<R> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.pump();
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
          this.pump();
        });
    }
  }
}
