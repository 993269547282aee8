import { finishDocument, operationIdOf } from '../src/openapi-document';

const doc = () => ({
  openapi: '3.1.0',
  paths: {
    '/subscription/{id}/secret/rotate': {
      post: { security: [{ apiKey: [] }], responses: { 200: { description: 'ok' }, 404: { description: 'no such' } } },
    },
    '/like/{id}': {
      get: { responses: { 202: { description: 'ok' } } },
      post: { operationId: 'likePhoto', responses: { 400: { description: 'bad', content: { 'text/plain': {} } } } },
    },
    '/stations/{station}/produce/single': {
      post: { tags: ['gateway'], responses: { 400: { description: 'Memphis shape' } } },
    },
  },
});

test('every operation gets an operationId, unique, its own kept', () => {
  const out = finishDocument(doc()) as { paths: Record<string, Record<string, { operationId: string }>> };
  expect(out.paths['/subscription/{id}/secret/rotate']?.post?.operationId).toBe('postSubscriptionIdSecretRotate');
  expect(out.paths['/like/{id}']?.get?.operationId).toBe('getLikeId');
  expect(out.paths['/like/{id}']?.post?.operationId).toBe('likePhoto');
  expect(operationIdOf('get', '/')).toBe('getRoot');
});

test('servers set, error responses without a body get the error schema', () => {
  // biome-ignore lint/suspicious/noExplicitAny: walking a JSON document
  const out = finishDocument(doc()) as any;
  expect(out.servers).toEqual([{ url: '/', description: 'this server' }]);
  expect(out.components.schemas.Error.required).toEqual(['error']);
  expect(out.paths['/subscription/{id}/secret/rotate'].post.responses[404].content['application/json'].schema).toEqual({
    $ref: '#/components/schemas/Error',
  });
  // What a route describes itself is kept, and the gateway's Memphis routes keep their own shapes.
  expect(out.paths['/like/{id}'].post.responses[400].content).toEqual({ 'text/plain': {} });
  expect(out.paths['/stations/{station}/produce/single'].post.responses[400].content).toBeUndefined();
});
