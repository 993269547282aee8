import request from 'supertest';

interface Operation {
  operationId?: string;
  security?: Record<string, string[]>[];
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}

import { type Harness, startHarness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('openapi');
});
afterAll(async () => {
  await h.close();
});

test('the OpenAPI document: operationIds, declared security schemes, error schemas, servers', async () => {
  const res = await request(h.app).get('/openapi.json');
  expect(res.status).toBe(200);
  const doc = res.body;
  expect(doc.servers?.length).toBeGreaterThan(0);
  const ids: string[] = [];
  const problems: string[] = [];
  for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, Operation>>)) {
    for (const [method, op] of Object.entries(item)) {
      if (typeof op.operationId !== 'string') problems.push(`${method} ${path}: no operationId`);
      ids.push(String(op.operationId));
      for (const scheme of (op.security ?? []).flatMap((s) => Object.keys(s))) {
        if (!doc.components?.securitySchemes?.[scheme]) problems.push(`${method} ${path}: undeclared scheme ${scheme}`);
      }
      for (const [status, response] of Object.entries(op.responses)) {
        if (Number(status) >= 400 && !response.content?.['application/json']?.schema)
          problems.push(`${method} ${path}: ${status} without the error schema`);
      }
    }
  }
  expect(problems).toEqual([]);
  expect(new Set(ids).size).toBe(ids.length);
});
