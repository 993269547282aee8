import { redactedUrl } from '@hookline/http';
import { bodyKind, messageHeaders, pulledMessage, stationEnvelope, stationMessage } from '../src/message';

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
