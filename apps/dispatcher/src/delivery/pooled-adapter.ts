import type { IncomingHttpHeaders } from 'node:http';
import zlib from 'node:zlib';
import {
  type AxiosAdapter,
  AxiosError,
  AxiosHeaders,
  type AxiosResponse,
  type InternalAxiosRequestConfig,
} from 'axios';
import { Agent, type Dispatcher } from 'undici';
import { ForbiddenTargetError, guardedLookup, refusedAddressReason } from './ssrf';

export interface PooledAdapterOptions {
  /** Refuse private, loopback and link-local targets (checked on the address actually connected to). */
  allowPrivateTargets: boolean;
  /** Receivers are untrusted: at most this much of a response body is read, then the connection is dropped. */
  maxResponseBytes: number;
  /** The part of the body kept and answered as `data` (a string). */
  keptResponseBytes: number;
}

/** Where a URL goes, parsed once per distinct URL: subscriptions send to the same few URLs all day. */
interface Target {
  origin: string;
  path: string;
  /** Why the URL's literal IP is refused, if it is one. */
  refused: string | null;
}

const MAX_CACHED_TARGETS = 10_000;

/**
 * A request's headers handed to the adapter exactly as built, as `config.sendHeaders`. Headers given
 * as `config.headers` are normalized by axios one by one on every request (a case-insensitive lookup
 * per header, value sanitizing, a merged copy); the sender builds its headers itself, lower-case and
 * valid, so they skip that. A class instance, because axios's config merge keeps those by reference
 * where it deep-copies plain objects.
 */
export class SendHeaders {
  constructor(readonly values: Record<string, string>) {}
}

declare module 'axios' {
  interface AxiosRequestConfig {
    sendHeaders?: SendHeaders;
  }
}

/**
 * undici's error codes for a connection that broke, as the Node codes axios-retry and the attempt log
 * read (Node's own http client gave ECONNRESET for a socket closed under a request).
 */
const NODE_CODES: Record<string, string> = {
  UND_ERR_SOCKET: 'ECONNRESET',
  UND_ERR_CLOSED: 'ECONNRESET',
  UND_ERR_CONNECT_TIMEOUT: 'ETIMEDOUT',
};

/**
 * An axios adapter over undici's pooled keep-alive client, in place of axios's own http adapter:
 * the sender's CPU per request is about half of Node's http client's (undici parses responses with
 * llhttp in WebAssembly and allocates far less per request), and on 2 cores CPU is throughput. It
 * does exactly what the webhook sender needs and nothing else:
 * - the URL is sent as given (no `baseURL`, no `params`) and redirects are never followed: a 3xx is
 *   answered like any other status;
 * - `config.timeout` bounds the whole exchange, body included, from the moment the request is made
 *   (a wait for a free connection counts): a receiver that stalls mid-body is answered with its
 *   status and what it sent by then;
 * - the body is read up to `maxResponseBytes` (decompressed, if the receiver compressed it unasked),
 *   and its first `keptResponseBytes` are the response's `data`, a string;
 * - the SSRF guard runs on the address each new socket connects to (the connector's DNS lookup) and
 *   on literal IPs (which Node connects to without a lookup), so a name re-pointed at 127.0.0.1 after
 *   the subscription was checked is refused too. No proxy is ever used: through one the guard would
 *   vet the proxy's address instead of the receiver's.
 * Errors are AxiosErrors with Node's codes (ECONNREFUSED, ECONNRESET, ...), so axios-retry and the
 * callers' error handling see what axios's own adapter gave them; a timeout is `ECONNABORTED`.
 */
export function pooledHttpAdapter(options: PooledAdapterOptions): AxiosAdapter {
  const lookup = options.allowPrivateTargets ? undefined : guardedLookup();
  const agent = new Agent({
    // Per origin: one receiver's slowness is bounded by the dispatcher's per-subscription limits first.
    connections: 256,
    keepAliveTimeout: 60_000,
    // The exchange's own timer (config.timeout) bounds waiting; undici's 300 s defaults never fire first.
    connect: { keepAlive: true, keepAliveInitialDelay: 60_000, ...(lookup ? { lookup } : {}) },
  });
  const targets = new Map<string, Target>();

  const targetOf = (url: string): Target => {
    let target = targets.get(url);
    if (!target) {
      const u = new URL(url);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`unsupported protocol ${u.protocol}`);
      target = {
        origin: u.origin,
        path: u.pathname + u.search,
        refused: options.allowPrivateTargets ? null : refusedAddressReason(u.hostname.replace(/^\[|\]$/g, '')),
      };
      if (targets.size >= MAX_CACHED_TARGETS) targets.clear();
      targets.set(url, target);
    }
    return target;
  };

  return (config) =>
    new Promise<AxiosResponse>((resolve, reject) => {
      let target: Target;
      try {
        target = targetOf(config.url ?? '');
      } catch (err) {
        reject(new AxiosError((err as Error).message, AxiosError.ERR_BAD_REQUEST, config));
        return;
      }
      if (target.refused) {
        const cause = new ForbiddenTargetError(target.refused);
        reject(AxiosError.from(cause, cause.code, config));
        return;
      }

      let settled = false;
      let controller: Dispatcher.DispatchController | undefined;
      let status = 0;
      let statusText = '';
      let headers: IncomingHttpHeaders | undefined;
      const chunks: Buffer[] = [];
      let size = 0;

      const fail = (err: AxiosError) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(err);
      };
      // However the body ends (fully read, reset mid-body, dropped by us, timed out), the answer is what was read.
      const answer = () => {
        if (settled || !headers) return;
        settled = true;
        clearTimeout(timer);
        const received = headers;
        const respond = (data: string) => {
          const response: AxiosResponse = {
            data,
            status,
            statusText,
            // undici's header names are lower-case already: handed to axios as an AxiosHeaders, which
            // it takes as it is, instead of a plain object it would normalize name by name.
            headers: Object.assign(new AxiosHeaders(), received),
            config: config as InternalAxiosRequestConfig,
            request: null,
          };
          if (!config.validateStatus || config.validateStatus(status)) resolve(response);
          else reject(new AxiosError(`HTTP ${status}`, AxiosError.ERR_BAD_RESPONSE, config, null, response));
        };
        const data = keptBody(chunks, received['content-encoding'], options.keptResponseBytes);
        if (typeof data === 'string') respond(data);
        else void data.then(respond);
      };
      const stop = () => controller?.abort(new Error('response no longer read'));

      const timer =
        config.timeout && config.timeout > 0
          ? setTimeout(() => {
              if (headers) answer();
              else fail(new AxiosError(`timeout of ${config.timeout}ms exceeded`, AxiosError.ECONNABORTED, config));
              stop();
            }, config.timeout)
          : undefined;

      const body = config.data === undefined || config.data === null ? null : (config.data as string | Buffer);
      agent.dispatch(
        {
          origin: target.origin,
          path: target.path,
          method: (config.method ?? 'get').toUpperCase() as Dispatcher.HttpMethod,
          headers: config.sendHeaders?.values ?? (config.headers.toJSON() as Record<string, string>),
          body,
        },
        {
          onRequestStart(c) {
            controller = c;
            // Timed out while waiting for a connection: never send it.
            if (settled) stop();
          },
          onResponseStart(_c, statusCode, responseHeaders, message) {
            if (statusCode < 200) return; // 1xx informational: the real answer follows
            status = statusCode;
            statusText = message ?? '';
            headers = responseHeaders;
          },
          onResponseData(_c, chunk) {
            if (settled) return;
            if (size < options.keptResponseBytes) chunks.push(chunk);
            size += chunk.length;
            if (size >= options.maxResponseBytes) {
              answer();
              stop();
            }
          },
          onResponseEnd: answer,
          onResponseError(_c, err: NodeJS.ErrnoException) {
            if (headers) return answer();
            const code = (err.code && NODE_CODES[err.code]) ?? err.code;
            fail(AxiosError.from(err, code, config));
          },
        },
      );
    });
}

/**
 * The kept prefix of the body as text, decompressed when the receiver compressed it (it was not asked
 * to). Only decompressing waits: the usual uncompressed answer costs no promise on the hot path.
 */
function keptBody(chunks: Buffer[], encoding: string | string[] | undefined, kept: number): string | Promise<string> {
  if (chunks.length === 0) return '';
  const raw = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
  const decoder = decoderFor(encoding);
  if (!decoder) return raw.subarray(0, kept).toString('utf8');
  return decodedPrefix(raw, decoder, kept).then((decoded) => decoded.subarray(0, kept).toString('utf8'));
}

function decoderFor(
  encoding: string | string[] | undefined,
): zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress | null {
  if (encoding === 'gzip' || encoding === 'x-gzip') return zlib.createGunzip();
  if (encoding === 'deflate') return zlib.createInflate();
  if (encoding === 'br') return zlib.createBrotliDecompress();
  return null;
}

/**
 * Up to `kept` bytes of a compressed body (which may be cut off: only a prefix was read), without
 * inflating more than that: a small body that expands to gigabytes stops at `kept`.
 */
function decodedPrefix(raw: Buffer, decoder: NodeJS.ReadWriteStream & { destroy(): void }, kept: number) {
  return new Promise<Buffer>((resolve) => {
    const out: Buffer[] = [];
    let size = 0;
    const done = () => resolve(Buffer.concat(out));
    decoder.on('data', (chunk: Buffer) => {
      out.push(chunk);
      size += chunk.length;
      if (size >= kept) {
        decoder.destroy();
        done();
      }
    });
    decoder.on('end', done);
    decoder.on('error', done);
    decoder.on('close', done);
    decoder.end(raw);
  });
}
