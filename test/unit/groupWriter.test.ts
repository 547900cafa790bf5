import { describe, expect, it } from '@jest/globals';
import { GroupWriter } from '../../src/db/groupWriter.js';

/** A write whose groups are recorded and finish only when the test says so. */
function gatedWriter() {
  const groups: number[][] = [];
  const gates: Array<() => void> = [];
  const write = (items: number[]) => {
    groups.push(items);
    return new Promise<number[]>((resolve) => gates.push(() => resolve(items.map((i) => i * 10))));
  };
  const release = async () => {
    gates.shift()!();
    // Let the write's continuation run (resolve, then the writer's own bookkeeping).
    await new Promise((r) => setImmediate(r));
  };
  return { groups, write, release };
}

const turn = () => new Promise((r) => setImmediate(r));

describe('GroupWriter', () => {
  it('writes a lone item at once, and each submit resolves with its own result', async () => {
    const w = gatedWriter();
    const writer = new GroupWriter(w.write, 64, 1, 4);
    const p = writer.submit(7);
    // Synchronously: nothing was in flight, so the item did not wait for a turn.
    expect(w.groups).toEqual([[7]]);
    await w.release();
    await expect(p).resolves.toBe(70);
  });

  it('gathers the items that arrive while a group is written into the next group', async () => {
    const w = gatedWriter();
    const writer = new GroupWriter(w.write, 64, 1, 0);
    const first = writer.submit(1);
    const rest = [2, 3, 4].map((i) => writer.submit(i));
    expect(w.groups).toEqual([[1]]);
    await w.release();
    expect(w.groups).toEqual([[1], [2, 3, 4]]);
    await w.release();
    await expect(first).resolves.toBe(10);
    await expect(Promise.all(rest)).resolves.toEqual([20, 30, 40]);
  });

  it('after a group, waits up to lingerTurns turns of the event loop so that items already on their way join the next one', async () => {
    const w = gatedWriter();
    const writer = new GroupWriter(w.write, 64, 1, 3);
    void writer.submit(1);
    void writer.submit(2);
    await w.release(); // group [1] done: [2] waits, lingering
    void writer.submit(3); // arrives during the first turn
    await turn();
    void writer.submit(4); // and the second
    expect(w.groups).toEqual([[1]]);
    await turn();
    await turn();
    await turn();
    expect(w.groups).toEqual([[1], [2, 3, 4]]);
    await w.release();
  });

  it('without lingering, the next group goes as soon as the previous one is written', async () => {
    const w = gatedWriter();
    const writer = new GroupWriter(w.write, 64, 1, 0);
    void writer.submit(1);
    void writer.submit(2);
    await w.release();
    void writer.submit(3);
    expect(w.groups).toEqual([[1], [2]]);
    await w.release();
    await w.release();
    expect(w.groups).toEqual([[1], [2], [3]]);
  });

  it('stops lingering as soon as the group is full', async () => {
    const w = gatedWriter();
    const writer = new GroupWriter(w.write, 3, 1, 1000);
    void writer.submit(1);
    void writer.submit(2);
    await w.release();
    void writer.submit(3);
    expect(w.groups).toEqual([[1]]);
    void writer.submit(4); // the group [2, 3, 4] is full: it goes without waiting for the turns
    expect(w.groups).toEqual([[1], [2, 3, 4]]);
    await w.release();
  });

  it('rejects every submit of a group whose write fails, and goes on with the next group', async () => {
    let fail = true;
    const groups: number[][] = [];
    const writer = new GroupWriter(async (items: number[]) => {
      groups.push(items);
      await turn();
      if (fail) throw new Error('down');
      return items;
    }, 64, 1, 2);
    const a = writer.submit(1);
    const b = writer.submit(2);
    const c = writer.submit(3);
    await expect(a).rejects.toThrow('down');
    fail = false;
    await expect(Promise.all([b, c])).resolves.toEqual([2, 3]);
    expect(groups).toEqual([[1], [2, 3]]);
  });

  it('writes at most maxInFlight groups at a time', async () => {
    const w = gatedWriter();
    const writer = new GroupWriter(w.write, 64, 2, 0);
    void writer.submit(1);
    void writer.submit(2);
    void writer.submit(3);
    expect(w.groups).toEqual([[1], [2]]);
    await w.release();
    expect(w.groups).toEqual([[1], [2], [3]]);
    await w.release();
    await w.release();
  });
});
