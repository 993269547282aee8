import { AckBatch, ackPlan } from '../src/ack-batch';

describe('ackPlan: one multiple ack for a run of finished tags, never covering an unfinished one', () => {
  it('acks the leading run with one multiple ack, and finished tags behind a running one singly', () => {
    expect(ackPlan([1, 2, 3, 4, 5], new Set([1, 2, 3, 5]))).toEqual({ upTo: 3, prefix: 3, singles: [5] });
    expect(ackPlan([1, 2, 3], new Set([2, 3]))).toEqual({ upTo: undefined, prefix: 0, singles: [2, 3] });
    expect(ackPlan([7, 9], new Set([7, 9]))).toEqual({ upTo: 9, prefix: 2, singles: [] });
    expect(ackPlan([], new Set())).toEqual({ upTo: undefined, prefix: 0, singles: [] });
  });
});

describe('AckBatch', () => {
  const batch = () => {
    const sent: Array<[number, boolean]> = [];
    return { sent, acks: new AckBatch((tag, multiple) => sent.push([tag, multiple])) };
  };

  it('handlers finishing in one turn are acked with one frame; a slow one holds back nothing but itself', async () => {
    const { sent, acks } = batch();
    for (const tag of [1, 2, 3, 4, 5]) acks.delivered(tag);
    // 2 is still in its handler: 1 alone leads, 3 and 5 go singly, 4 is not finished.
    await Promise.all([acks.ack(1), acks.ack(3), acks.ack(5)]);
    expect(sent).toEqual([
      [1, false],
      [3, false],
      [5, false],
    ]);
    sent.length = 0;
    for (const tag of [6, 7, 8]) acks.delivered(tag);
    await Promise.all([acks.ack(2), acks.ack(4), acks.ack(6), acks.ack(7)]);
    // 2..7 are all settled now (3 and 5 already acked): one multiple ack up to 7; 8 is still running.
    expect(sent).toEqual([[7, true]]);
  });

  it('a nacked tag does not hold back the run, and nothing is acked before its handler finishes', async () => {
    const { sent, acks } = batch();
    for (const tag of [1, 2, 3]) acks.delivered(tag);
    acks.nacked(1);
    await acks.ack(3);
    expect(sent).toEqual([[3, false]]);
    await acks.ack(2);
    expect(sent).toEqual([
      [3, false],
      [2, false],
    ]);
  });
});
