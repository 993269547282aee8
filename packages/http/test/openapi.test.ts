import express from 'express';
import request from 'supertest';
import { docsRouter, OpenAPIRegistry } from '../src';

describe('OpenAPI security schemes', () => {
  it('keeps apiKey and tenantToken when an app registers a scheme of its own (the gateway does)', async () => {
    const gateway = new OpenAPIRegistry();
    gateway.registerComponent('securitySchemes', 'gatewayJwt', { type: 'http', scheme: 'bearer' });
    const app = express().use(docsRouter([gateway], 't', '1'));
    const doc = (await request(app).get('/openapi.json')).body;
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(['apiKey', 'gatewayJwt', 'tenantToken']);
    expect(doc.components.securitySchemes.tenantToken).toMatchObject({ type: 'http', scheme: 'bearer' });
  });
});
