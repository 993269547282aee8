import { EVENT_ID_PATTERN, eventTypeSchema } from '@hookline/contracts';
import { defineRoute, HttpError } from '@hookline/http';
import { runTransform, TRANSFORM_MAX_LENGTH } from '@hookline/rules';
import { z } from 'zod';
import type { AppContext } from '../context';

const testBody = z
  .object({
    transform: z.string().min(1).max(TRANSFORM_MAX_LENGTH),
    event: z
      .object({
        id: z.string().regex(EVENT_ID_PATTERN).optional(),
        type: eventTypeSchema,
        timestamp: z.iso.datetime({ offset: true }).optional(),
        data: z.unknown(),
      })
      .openapi({ description: 'the event to try it on; id and timestamp are made up when absent' }),
  })
  .openapi('TransformTest', {
    example: { transform: '{"kind": type, "cents": data.amount * 100}', event: { type: 'LIKED_PHOTO', data: {} } },
  });
const testResult = z.object({ body: z.unknown() }).openapi('TransformTestResult');

/**
 * `POST /subscription/transform/test`: runs an expression on an event exactly as a delivery would
 * (same bounds), so a user can try a transformation before saving it.
 */
export function registerTransformTestRoute(ctx: AppContext): void {
  defineRoute(ctx, {
    access: ctx.access.management,
    method: 'post',
    path: '/subscription/transform/test',
    summary: 'Try a JSONata transformation on an event: the body a delivery would carry',
    tags: ['subscriptions'],
    body: testBody,
    responses: {
      200: { description: 'the body that would be sent', schema: testResult },
    },
    async handler({ body }, _req, res) {
      const envelope = {
        id: body.event.id ?? 'evt_test',
        type: body.event.type,
        timestamp: body.event.timestamp ?? new Date().toISOString(),
        data: body.event.data,
      };
      const result = await runTransform(body.transform, envelope);
      if (!result.ok) {
        const { message, position } = result.error;
        throw new HttpError(400, 'invalid_transform', 'the transformation failed', [
          { field: 'transform', message: position === undefined ? message : `${message} (at position ${position})` },
        ]);
      }
      res.json({ body: JSON.parse(result.body) });
    },
  });
}
