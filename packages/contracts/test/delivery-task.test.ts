import { createEnvelope, DELIVERY_TASK_TYPE, type DeliveryTask, deliveryTaskMessage, readDeliveryTask } from '../src';

const task: DeliveryTask = {
  id: 'msg_1',
  eventId: 'evt_1',
  subscriptionId: 'sub_1',
  attempt: 2,
  round: 0,
  parked: 1,
  event: createEnvelope('LIKED_PHOTO', { photoId: 'p1' }),
};

describe('delivery task messages', () => {
  it('reads back a task Hookline wrote, tagged with its version', () => {
    const { content, properties } = deliveryTaskMessage(task);
    expect(properties).toEqual({ messageId: 'msg_1', contentType: 'application/json', type: DELIVERY_TASK_TYPE });
    expect(readDeliveryTask(content, properties.type)).toEqual(task);
  });

  it('refuses a tagged message whose shape is wrong, and what is not JSON', () => {
    const bad = (fields: object) => Buffer.from(JSON.stringify({ ...task, ...fields }));
    for (const fields of [{ id: 'evt_x' }, { attempt: 0 }, { attempt: '2' }, { parked: undefined }, { event: null }]) {
      expect([fields, readDeliveryTask(bad(fields), DELIVERY_TASK_TYPE)]).toEqual([fields, undefined]);
    }
    expect(readDeliveryTask(Buffer.from('{not json'), DELIVERY_TASK_TYPE)).toBeUndefined();
  });

  it('parses an untagged message in full: defaults for fields older versions did not write, zod for the rest', () => {
    const { round: _round, parked: _parked, ...old } = task;
    expect(readDeliveryTask(Buffer.from(JSON.stringify(old)), undefined)).toEqual({ ...task, round: 0, parked: 0 });
    const badEvent = { ...task, event: { ...task.event, timestamp: 'yesterday' } };
    expect(readDeliveryTask(Buffer.from(JSON.stringify(badEvent)), undefined)).toBeUndefined();
  });
});
