import { validateCustomHeaders } from '../src';

describe('validateCustomHeaders', () => {
  it('accepts tokens and plain values', () => {
    expect(validateCustomHeaders({ 'X-Api-Key': 'abc 123', Authorization: 'Bearer t0k3n' })).toEqual([]);
  });

  it.each([
    'webhook-id',
    'Webhook-Signature',
    'content-type',
    'Content-Length',
    'host',
    'connection',
    'transfer-encoding',
    'User-Agent',
  ])('refuses %s', (name) => {
    expect(validateCustomHeaders({ [name]: 'x' })).toEqual([
      { name, message: expect.stringMatching(/set by Hookline/) },
    ]);
  });

  it('refuses bad names, bad values, duplicates and more than 20', () => {
    expect(validateCustomHeaders({ 'bad name': 'x' })[0]?.message).toMatch(/not a valid HTTP header name/);
    expect(validateCustomHeaders({ 'x-a': 'line\r\nInjected: 1' })[0]?.message).toMatch(/line breaks/);
    expect(validateCustomHeaders({ 'x-a': '' })[0]?.message).toMatch(/visible ASCII/);
    expect(validateCustomHeaders({ 'x-a': 1 })[0]?.message).toMatch(/string/);
    expect(validateCustomHeaders({ 'X-A': '1', 'x-a': '2' })[0]?.message).toMatch(/twice/);
    const many = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`x-h${i}`, 'v']));
    expect(validateCustomHeaders(many)).toEqual([{ name: '', message: expect.stringMatching(/at most 20/) }]);
  });
});
