import { MongoNetworkError, MongoServerError } from 'mongodb';
import { isDatabaseUnavailable } from '../src';

/** Which driver errors are "MongoDB is unavailable, try again" (503) rather than a bug (500). */
describe('isDatabaseUnavailable', () => {
  it('knows a dropped connection, a shutdown, a stepped-down primary and mongoose giving up', () => {
    expect(isDatabaseUnavailable(new MongoNetworkError('read ECONNRESET'))).toBe(true);
    expect(isDatabaseUnavailable(new MongoServerError({ message: 'interrupted at shutdown', code: 11600 }))).toBe(true);
    expect(isDatabaseUnavailable(new MongoServerError({ message: 'not primary', code: 10107 }))).toBe(true);
    const buffering = Object.assign(new Error('Operation `users.insertOne()` buffering timed out after 10000ms'), {
      name: 'MongooseError',
    });
    expect(isDatabaseUnavailable(buffering)).toBe(true);
    const labelled = new MongoServerError({ message: 'write failed', code: 1, errorLabels: ['RetryableWriteError'] });
    expect(isDatabaseUnavailable(labelled)).toBe(true);
    expect(isDatabaseUnavailable(new Error('wrapped', { cause: new MongoNetworkError('closed') }))).toBe(true);
  });

  it('knows the socket error the driver lets through unwrapped when it writes to a connection MongoDB just closed', () => {
    // As Node's net.Socket throws it on a write after the peer closed (the driver's writeCommand, seen
    // when MongoDB was killed mid-request): a plain Error with code EPIPE, no driver class around it.
    const writeAfterFin = Object.assign(new Error('This socket has been ended by the other party'), { code: 'EPIPE' });
    expect(isDatabaseUnavailable(writeAfterFin)).toBe(true);
    // A client that went away mid-body is not the database (raw-body's error for it).
    const aborted = Object.assign(new Error('request aborted'), { code: 'ECONNABORTED', type: 'request.aborted' });
    expect(isDatabaseUnavailable(aborted)).toBe(false);
  });

  it('leaves real errors alone: a duplicate key, a validation error, a plain bug', () => {
    expect(isDatabaseUnavailable(new MongoServerError({ message: 'E11000 duplicate key', code: 11000 }))).toBe(false);
    expect(isDatabaseUnavailable(new MongoServerError({ message: 'bad update', code: 9 }))).toBe(false);
    expect(isDatabaseUnavailable(new TypeError('x is undefined'))).toBe(false);
    expect(isDatabaseUnavailable(undefined)).toBe(false);
  });
});
