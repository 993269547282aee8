import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { redactedUrl } from '@hookline/http';
import jwt from 'jsonwebtoken';
import protobuf from 'protobufjs';
import { bodyKind, messageHeaders, pulledMessage, stationEnvelope, stationMessage } from '../src/message';
import { hashPassword, verifyPassword } from '../src/passwords';
import { loadJwtSecrets, SECRETS_FILE } from '../src/secrets';
import { compileSchema, SchemaCompileError } from '../src/station-schema-store';
import { createTokenService, DEFAULT_MAX_ACCESS_MINUTES, DEFAULT_MAX_REFRESH_MINUTES } from '../src/tokens';
import { parseSeedUsers } from '../src/users';

const secrets = { access: 'a'.repeat(40), refresh: 'b'.repeat(40) };

describe('tokens', () => {
  const tokens = createTokenService(secrets);

  it('issues HS256 tokens with sub, account_id and typ, never the password', () => {
    const issued = tokens.issue({ username: 'alice', accountId: 123456789 });
    expect(issued.expires_in).toBe(15 * 60_000);
    expect(issued.refresh_token_expires_in).toBe(300 * 60_000);
    const claims = jwt.decode(issued.jwt, { complete: true });
    expect(claims?.header.alg).toBe('HS256');
    expect(claims?.payload).toMatchObject({ sub: 'alice', account_id: 123456789, typ: 'access' });
    expect(JSON.stringify(claims?.payload)).not.toContain('password');
    expect(tokens.verifyAccess(issued.jwt)).toEqual({
      sub: 'alice',
      account_id: 123456789,
      typ: 'access',
      ver: 0,
      exp: expect.any(Number),
    });
  });

  it('never accepts a refresh token as an access token, nor the reverse', () => {
    const issued = tokens.issue({ username: 'alice' });
    expect(tokens.verifyAccess(issued.jwt_refresh_token)).toBeUndefined();
    expect(tokens.verifyRefresh(issued.jwt)).toBeUndefined();
    expect(tokens.verifyRefresh(issued.jwt_refresh_token)?.sub).toBe('alice');
    // Even a refresh-typed token signed with the access secret is refused as an access token.
    const forged = jwt.sign({ sub: 'alice', typ: 'refresh' }, secrets.access);
    expect(tokens.verifyAccess(forged)).toBeUndefined();
  });

  it('rejects expired, tampered, unsigned and other-algorithm tokens', () => {
    const expired = jwt.sign({ sub: 'alice', typ: 'access', exp: Math.floor(Date.now() / 1000) - 10 }, secrets.access);
    expect(tokens.verifyAccess(expired)).toBeUndefined();
    const issued = tokens.issue({ username: 'alice' });
    expect(tokens.verifyAccess(`${issued.jwt}x`)).toBeUndefined();
    const none = jwt.sign({ sub: 'alice', typ: 'access' }, '', { algorithm: 'none' });
    expect(tokens.verifyAccess(none)).toBeUndefined();
    expect(
      tokens.verifyAccess(jwt.sign({ sub: 'alice', typ: 'access' }, secrets.access, { algorithm: 'HS512' })),
    ).toBeUndefined();
    expect(tokens.verifyAccess('not a jwt')).toBeUndefined();
  });

  it('caps huge expiries at one day and 30 days (the seed asks for 6,000,000,000 minutes)', () => {
    const issued = tokens.issue({ username: 'alice' }, 6_000_000_000, 100_000);
    expect(issued.expires_in).toBe(DEFAULT_MAX_ACCESS_MINUTES * 60_000);
    expect(issued.refresh_token_expires_in).toBe(DEFAULT_MAX_REFRESH_MINUTES * 60_000);
    const payload = jwt.decode(issued.jwt) as { exp: number; iat: number };
    expect(payload.exp - payload.iat).toBe(DEFAULT_MAX_ACCESS_MINUTES * 60);
    expect(tokens.verifyAccess(issued.jwt)?.sub).toBe('alice');
  });

  it('expires tokens at exp', () => {
    let now = Date.now();
    const clocked = createTokenService(secrets, () => now);
    const issued = clocked.issue({ username: 'alice' }, 1);
    now += 59_000;
    expect(clocked.verifyAccess(issued.jwt)).toBeDefined();
    now += 2_000;
    expect(clocked.verifyAccess(issued.jwt)).toBeUndefined();
  });
});

describe('passwords', () => {
  it('hashes with scrypt and a random salt, and verifies', async () => {
    const a = await hashPassword('correct horse');
    const b = await hashPassword('correct horse');
    expect(a).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword('correct horse', a)).toBe(true);
    expect(await verifyPassword('wrong horse', a)).toBe(false);
    expect(await verifyPassword('x', 'garbage')).toBe(false);
  });
});

describe('GATEWAY_USERS', () => {
  it('splits name:password at the first colon', () => {
    expect(parseSeedUsers(['alice:pass:word1', 'bob:12345678'])).toEqual([
      { username: 'alice', password: 'pass:word1' },
      { username: 'bob', password: '12345678' },
    ]);
  });
  it('fails with one readable line', () => {
    expect(() => parseSeedUsers(['alice'])).toThrow('GATEWAY_USERS entry 1 is not name:password (no ":")');
    expect(() => parseSeedUsers(['ok:12345678', 'bob:short'])).toThrow(/entry 2 .*password must be at least 8/);
  });
});

describe('JWT secrets', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gw-secrets-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('are generated once, kept with mode 0600, and reused', () => {
    const first = loadJwtSecrets({ NODE_ENV: 'development', DATA_DIR: join(dir, 'nested') });
    const path = join(dir, 'nested', SECRETS_FILE);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(first.access).not.toBe(first.refresh);
    expect(loadJwtSecrets({ NODE_ENV: 'development', DATA_DIR: join(dir, 'nested') })).toEqual(first);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual(first);
  });
  it('come from the environment when set', () => {
    expect(
      loadJwtSecrets({
        NODE_ENV: 'production',
        DATA_DIR: dir,
        JWT_SECRET: 'x'.repeat(32),
        REFRESH_JWT_SECRET: 'y'.repeat(32),
      }),
    ).toEqual({
      access: 'x'.repeat(32),
      refresh: 'y'.repeat(32),
    });
  });
  it('are required in production, and must differ', () => {
    expect(() => loadJwtSecrets({ NODE_ENV: 'production', DATA_DIR: dir, JWT_SECRET: 'x'.repeat(32) })).toThrow(
      'JWT_SECRET and REFRESH_JWT_SECRET must be set when NODE_ENV=production',
    );
    expect(() =>
      loadJwtSecrets({
        NODE_ENV: 'test',
        DATA_DIR: dir,
        JWT_SECRET: 'x'.repeat(32),
        REFRESH_JWT_SECRET: 'x'.repeat(32),
      }),
    ).toThrow('must differ');
  });
});

describe('messages', () => {
  it('classifies content types', () => {
    expect(bodyKind('application/json; charset=utf-8')).toBe('json');
    expect(bodyKind('TEXT/PLAIN')).toBe('text');
    expect(bodyKind('text/csv')).toBe('text');
    expect(bodyKind('application/x-protobuf')).toBe('protobuf');
    expect(bodyKind('application/xml')).toBeUndefined();
    expect(bodyKind(undefined)).toBeUndefined();
  });

  it('keeps end-to-end headers and drops hop-by-hop ones and credentials', () => {
    const kept = messageHeaders({
      'content-type': 'application/json',
      'stripe-signature': 't=1,v1=abc',
      authorization: 'Bearer secret',
      cookie: 'a=b',
      connection: 'keep-alive, x-hop',
      'x-hop': '1',
      'keep-alive': 'timeout=5',
      'transfer-encoding': 'chunked',
      'content-length': '10',
      'x-multi': ['1', '2'] as unknown as string,
    });
    expect(kept).toEqual({ 'content-type': 'application/json', 'stripe-signature': 't=1,v1=abc', 'x-multi': '1, 2' });
  });

  it('puts JSON as data and other bodies as {content_type, encoding, body}, with the raw origin', () => {
    const json = stationMessage('json', 'application/json', Buffer.from('{"a": 1}'), {}, { a: 1 });
    expect(json.data).toEqual({ a: 1 });
    expect(Buffer.from(json.origin.bodyBase64, 'base64').toString()).toBe('{"a": 1}');
    const text = stationMessage('text', 'text/plain', Buffer.from('héllo'), { 'x-a': '1' });
    expect(text.data).toEqual({
      content_type: 'text/plain',
      encoding: 'base64',
      body: Buffer.from('héllo').toString('base64'),
    });
    const env = stationEnvelope('orders', text);
    expect(env.type).toBe('station.orders');
    expect(env.id).toMatch(/^evt_/);
    expect(env.station).toEqual({
      contentType: 'text/plain',
      headers: { 'x-a': '1' },
      bodyBase64: text.origin.bodyBase64,
    });
  });

  it('returns pulled bodies as text for text and JSON, base64 otherwise', () => {
    const pull = (kind: 'json' | 'text' | 'protobuf', ct: string, body: Buffer) =>
      pulledMessage(Buffer.from(JSON.stringify(stationEnvelope('s', stationMessage(kind, ct, body, { h: 'v' }, {})))));
    expect(pull('json', 'application/json', Buffer.from('{"a": 1}'))).toEqual({
      message: '{"a": 1}',
      headers: { h: 'v' },
    });
    expect(pull('text', 'text/plain', Buffer.from('hi'))).toEqual({ message: 'hi', headers: { h: 'v' } });
    expect(pull('protobuf', 'application/x-protobuf', Buffer.from([8, 1]))).toEqual({
      message: 'CAE=',
      headers: { h: 'v' },
    });
    expect(pulledMessage(Buffer.from('{"type":"station.s","data":{"x":1}}'))).toEqual({
      message: '{"x":1}',
      headers: {},
    });
    expect(pulledMessage(Buffer.from([0xff]))).toEqual({ message: '/w==', headers: {} });
  });

  it('redacts the token from URLs that get logged', () => {
    expect(redactedUrl('/stations/a/produce/single?x=1&authorization=eyJ.abc.def&y=2')).toBe(
      '/stations/a/produce/single?x=1&authorization=[redacted]&y=2',
    );
  });
});

describe('station schemas', () => {
  it('validates JSON with ajv and says what failed', () => {
    const validate = compileSchema({
      type: 'json',
      schema: { type: 'object', required: ['field1', 'field2'], properties: { field1: { type: 'string' } } },
    });
    expect(validate('json', Buffer.from('{}'), { field1: 'a', field2: 1 })).toBeNull();
    expect(validate('json', Buffer.from('{}'), { field1: 2 })).toBe(
      "message must have required property 'field2'; message/field1 must be string",
    );
    expect(validate('text', Buffer.from('{"field1":"a","field2":0}'))).toBeNull();
    expect(validate('text', Buffer.from('not json'))).toMatch(/^the body is not JSON/);
  });

  it('refuses schemas that do not compile', () => {
    expect(() => compileSchema({ type: 'json', schema: { type: 'nonsense' } })).toThrow(SchemaCompileError);
    expect(() => compileSchema({ type: 'protobuf', definition: 'message {', message: 'X' })).toThrow(
      SchemaCompileError,
    );
    expect(() =>
      compileSchema({ type: 'protobuf', definition: 'syntax = "proto3"; message A { int32 x = 1; }', message: 'B' }),
    ).toThrow(SchemaCompileError);
  });

  it('decodes and verifies protobuf bodies', () => {
    const definition = 'syntax = "proto2"; message Order { required int32 id = 1; optional string note = 2; }';
    const validate = compileSchema({ type: 'protobuf', definition, message: 'Order' });
    const Order = protobuf.parse(definition).root.lookupType('Order');
    expect(validate('protobuf', Buffer.from(Order.encode({ id: 7, note: 'x' }).finish()))).toBeNull();
    // Field 2 only (the encoder would always write the required field 1).
    expect(validate('protobuf', Buffer.from([0x12, 0x01, 0x78]))).toMatch(/missing required 'id'/);
    expect(validate('protobuf', Buffer.from([0xff, 0xff, 0xff]))).toMatch(/does not decode as Order/);
    expect(validate('json', Buffer.from('{}'), {})).toMatch(/expected an application\/x-protobuf body/);
  });
});
