// A minimal HTTP load generator, used by like.ts only when autocannon is not installed.
// Plain JavaScript so it runs in a worker thread without a TypeScript loader. It runs in its own
// thread so the app under test keeps the main event loop to itself, as with autocannon's workers.
const { parentPort, workerData } = require('node:worker_threads');
const http = require('node:http');

const { url, connections, durationMs, rate } = workerData;
const target = new URL(url);
const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
const latencies = [];
let ok = 0;
let non2xx = 0;
let errors = 0;
let inFlight = 0;
const started = Date.now();
const deadline = started + durationMs;

function fire() {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    inFlight++;
    const req = http.request(
      {
        agent,
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        headers: { 'content-length': 0 },
      },
      (res) => {
        res.resume();
        res.on('end', () => {
          inFlight--;
          latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
          if (res.statusCode >= 200 && res.statusCode < 300) ok++;
          else non2xx++;
          resolve();
        });
      },
    );
    req.on('error', () => {
      inFlight--;
      errors++;
      resolve();
    });
    req.end();
  });
}

async function closedLoop() {
  // Each "connection" sends its next request when the previous one is answered (autocannon's model).
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (Date.now() < deadline) await fire();
    }),
  );
}

async function fixedRate() {
  // Sends whatever is due every millisecond; requests beyond `connections` in flight wait for a socket.
  let sent = 0;
  await new Promise((resolve) => {
    const tick = () => {
      const now = Date.now();
      if (now >= deadline) return resolve();
      const due = Math.floor(((now - started) / 1000) * rate);
      while (sent < due) {
        sent++;
        void fire();
      }
      setTimeout(tick, 1);
    };
    tick();
  });
  while (inFlight > 0) await new Promise((r) => setTimeout(r, 5));
}

(rate ? fixedRate() : closedLoop()).then(() => {
  const elapsedS = (Date.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  agent.destroy();
  parentPort.postMessage({ rps: ok / elapsedS, p50: at(0.5), p99: at(0.99), non2xx, errors });
});
