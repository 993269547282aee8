import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { type AxiosAdapter, AxiosError, type AxiosResponse, type InternalAxiosRequestConfig } from 'axios';
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
  secure: boolean;
  hostname: string;
  port: string;
  path: string;
  /** Why the URL's literal IP is refused, if it is one. */
  refused: string | null;
}

const MAX_CACHED_TARGETS = 10_000;

/**
 * An axios adapter over Node's http/https with pooled keep-alive sockets, in place of axios's own
 * http adapter (its per-request URL, proxy, redirect, data-shape and progress handling cost more
 * than the request itself). It does exactly what the webhook sender needs and nothing else:
 * - the URL is sent as given (no `baseURL`, no `params`) and redirects are never followed: a 3xx is
 *   answered like any other status;
 * - `config.timeout` bounds the whole exchange, body included: a receiver that stalls mid-body is
 *   answered with its status and what it sent by then;
 * - the body is read up to `maxResponseBytes` (decompressed, if the receiver compressed it unasked),
 *   and its first `keptResponseBytes` are the response's `data`, a string;
 * - the SSRF guard runs on the address each new socket connects to (the agents' DNS lookup) and on
 *   literal IPs (which Node connects to without a lookup), so a name re-pointed at 127.0.0.1 after
 *   the subscription was checked is refused too. No proxy is ever used: through one the guard would
 *   vet the proxy's address instead of the receiver's.
 * Errors are AxiosErrors with Node's codes (ECONNREFUSED, ECONNRESET, ...), so axios-retry and the
 * callers' error handling see what axios's own adapter gave them; a timeout is `ECONNABORTED`.
 */
export function pooledHttpAdapter(options: PooledAdapterOptions): AxiosAdapter {
  const lookup = options.allowPrivateTargets ? undefined : guardedLookup();
  // keepAliveMsecs is the TCP keep-alive probe delay the agent sets on each socket it pools.
  const agentOptions = { keepAlive: true, keepAliveMsecs: 60_000, maxSockets: 256, ...(lookup ? { lookup } : {}) };
  const agents = { http: new http.Agent(agentOptions), https: new https.Agent(agentOptions) };
  const targets = new Map<string, Target>();

  const targetOf = (url: string): Target => {
    let target = targets.get(url);
    if (!target) {
      const u = new URL(url);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`unsupported protocol ${u.protocol}`);
      const hostname = u.hostname.replace(/^\[|\]$/g, '');
      target = {
        secure: u.protocol === 'https:',
        hostname,
        port: u.port,
        path: u.pathname + u.search,
        refused: options.allowPrivateTargets ? null : refusedAddressReason(hostname),
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
      const body = config.data === undefined || config.data === null ? undefined : (config.data as string | Buffer);
      const headers = config.headers.toJSON() as Record<string, string>;
      if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
      const req = (target.secure ? https : http).request({
        agent: target.secure ? agents.https : agents.http,
        hostname: target.hostname,
        port: target.port,
        path: target.path,
        method: (config.method ?? 'get').toUpperCase(),
        headers,
      });

      let settled = false;
      let answer: ((timedOut: boolean) => void) | undefined;
      const timer =
        config.timeout && config.timeout > 0
          ? setTimeout(() => {
              if (answer) answer(true);
              else
                fail(new AxiosError(`timeout of ${config.timeout}ms exceeded`, AxiosError.ECONNABORTED, config, req));
              req.destroy();
            }, config.timeout)
          : undefined;
      const fail = (err: AxiosError) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(err);
      };

      req.on('error', (err: NodeJS.ErrnoException) => {
        if (!answer) fail(AxiosError.from(err, err.code, config, req));
      });
      req.on('response', (res) => {
        const stream = decoded(res);
        const chunks: Buffer[] = [];
        let size = 0;
        answer = () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          const response: AxiosResponse = {
            data: keptPrefix(chunks, options.keptResponseBytes),
            status: res.statusCode ?? 0,
            statusText: res.statusMessage ?? '',
            headers: res.headers,
            config: config as InternalAxiosRequestConfig,
            request: req,
          };
          if (!config.validateStatus || config.validateStatus(response.status)) resolve(response);
          else reject(new AxiosError(`HTTP ${response.status}`, AxiosError.ERR_BAD_RESPONSE, config, req, response));
        };
        stream.on('data', (chunk: Buffer) => {
          if (settled) return;
          if (size < options.keptResponseBytes) chunks.push(chunk);
          size += chunk.length;
          if (size >= options.maxResponseBytes) {
            answer?.(false);
            res.destroy();
          }
        });
        // However the body ends (fully read, reset mid-body, dropped by us), the answer is what was read.
        stream.on('end', () => answer?.(false));
        stream.on('close', () => answer?.(false));
        stream.on('error', () => answer?.(false));
        if (stream !== res) res.on('error', () => answer?.(false));
      });
      req.end(body);
    });
}

/** The response body as sent, or decompressed when the receiver compressed it (it was not asked to). */
function decoded(res: http.IncomingMessage): Readable {
  const encoding = res.headers['content-encoding'];
  if (!encoding || encoding === 'identity') return res;
  const decoder =
    encoding === 'gzip' || encoding === 'x-gzip'
      ? zlib.createGunzip()
      : encoding === 'deflate'
        ? zlib.createInflate()
        : encoding === 'br'
          ? zlib.createBrotliDecompress()
          : undefined;
  return decoder ? res.pipe(decoder) : res;
}

function keptPrefix(chunks: Buffer[], kept: number): string {
  if (chunks.length === 0) return '';
  const all = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
  return all.subarray(0, kept).toString('utf8');
}
