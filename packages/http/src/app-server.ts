import { createServer, IncomingMessage, type RequestListener, type Server, ServerResponse } from 'node:http';
import type { Express } from 'express';

/**
 * An HTTP server for an express app whose requests and responses are made with the app's own
 * prototypes (`app.request`, `app.response`) from the start.
 *
 * express gives each request and response its prototypes as it enters the app, with
 * `Object.setPrototypeOf`. An object whose prototype changes after it was made leaves V8's fast paths:
 * every property Node's own HTTP code reads from that request or response afterwards (parsing the
 * rest, writing the head, finishing, keep-alive bookkeeping) goes through slow lookups. Measured here
 * with a bare express app (one route, a confirmed publish, a JSON answer): 241-250 µs of CPU per
 * request with Node's default classes, 113-126 µs with these; Node's http module alone took 83.
 * Born with the right prototypes, express's swap changes nothing and costs nothing.
 *
 * A plain request listener (not an express app) gets Node's default classes.
 */
export function createAppServer(app: Express | RequestListener): Server {
  if (!isExpressApp(app)) return createServer(app);
  // Function constructors, not classes: a class's `prototype` cannot be replaced, and the point is
  // that it IS express's object, so the prototype express sets is the one the request already has.
  function AppRequest(this: IncomingMessage, ...args: ConstructorParameters<typeof IncomingMessage>) {
    IncomingMessage.apply(this, args);
  }
  AppRequest.prototype = app.request;
  function AppResponse(this: ServerResponse, ...args: ConstructorParameters<typeof ServerResponse>) {
    ServerResponse.apply(this, args);
  }
  AppResponse.prototype = app.response;
  return createServer(
    {
      IncomingMessage: AppRequest as unknown as typeof IncomingMessage,
      ServerResponse: AppResponse as unknown as typeof ServerResponse,
    },
    app,
  );
}

function isExpressApp(app: Express | RequestListener): app is Express {
  const candidate = app as Partial<Express>;
  return candidate.request instanceof IncomingMessage && candidate.response instanceof ServerResponse;
}
