import type { RequestHandler } from 'express';
import type { z } from 'zod';
import { likeResponse, photoIdParams } from '../schemas';
import { errorResponses, type RouteContext } from './context';

/** `GET|POST /like/:id`: seed 001's "a user liked a photo". GET stays because seed 001's curl uses it. */
export function likeRoutes({ router, openapi, publisher }: RouteContext): void {
  const like: RequestHandler = async (req, res) => {
    const { id: photoId } = photoIdParams.parse(req.params);
    const event = await publisher.publish('LIKED_PHOTO', { photoId });
    const body: z.infer<typeof likeResponse> = { id: event.id, type: 'LIKED_PHOTO', photoId };
    res.status(202).json(body);
  };
  router.get('/like/:id', like);
  router.post('/like/:id', like);

  for (const method of ['get', 'post'] as const) {
    openapi.registerPath({
      method,
      path: '/like/{id}',
      tags: ['photo-app'],
      summary: 'Like a photo: publishes LIKED_PHOTO {photoId} once RabbitMQ has confirmed it',
      request: { params: photoIdParams },
      responses: {
        202: { description: 'published', content: { 'application/json': { schema: likeResponse } } },
        ...errorResponses,
      },
    });
  }
}
