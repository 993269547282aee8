import { defineRoute } from '@hookline/http';
import type { z } from 'zod';
import { likeResponse, photoIdParams } from '../schemas';
import type { AppContext } from './context';

/** `GET|POST /like/:id`: "a user liked a photo". GET stays because the original curl examples use it. */
export function likeRoutes(ctx: AppContext): void {
  for (const method of ['get', 'post'] as const) {
    defineRoute(ctx, {
      method,
      path: '/like/:id',
      tags: ['photo-app'],
      summary: 'Like a photo: publishes LIKED_PHOTO {photoId} once RabbitMQ has confirmed it',
      access: ctx.access.open,
      params: photoIdParams,
      responses: { 202: { description: 'published', schema: likeResponse } },
      async handler({ params }, _req, res) {
        const event = await ctx.publisher.publish('LIKED_PHOTO', { photoId: params.id });
        const body: z.infer<typeof likeResponse> = { id: event.id, type: 'LIKED_PHOTO', photoId: params.id };
        res.status(202).json(body);
      },
    });
  }
}
