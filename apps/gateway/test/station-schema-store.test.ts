import protobuf from 'protobufjs';
import { compileSchema, SchemaCompileError } from '../src/station-schema-store';

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
