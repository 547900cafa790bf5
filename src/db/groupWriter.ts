interface Pending<T> {
  item: T;
  resolve(): void;
  reject(err: unknown): void;
}

/**
 * Writes that arrive while an earlier group is being written wait and go together in the next
 * one: one statement and one round trip for the group instead of one each. An idle process adds
 * no delay (a lone item goes at once). Each submit resolves once its group is written.
 */
export class GroupWriter<T> {
  private queue: Array<Pending<T>> = [];
  private inFlight = 0;

  constructor(
    private readonly write: (items: T[]) => Promise<void>,
    private readonly maxGroup = 128,
    private readonly maxInFlight = 1,
  ) {}

  submit(item: T): Promise<void> {
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
          () => group.forEach((p) => p.resolve()),
          (err) => group.forEach((p) => p.reject(err)),
        )
        .finally(() => {
          this.inFlight--;
          this.pump();
        });
    }
  }
}
