import type { Broker } from '@hookline/broker';

/** What to tell a person whose RabbitMQ does not let `npm start` in, in one line. */
export function explainBrokerFailure(err: Error, url: string): { line: string; retry: boolean } {
  const where = safeUrl(url);
  const message = err.message;
  if (/ACCESS[-_]REFUSED|403|auth/i.test(message)) {
    return {
      line:
        `RabbitMQ at ${where} refused the login (${message.split('\n')[0]}): set RABBITMQ_URL=amqp://<user>:<password>@<host>:5672 ` +
        'with a user it knows (a fresh RabbitMQ lets guest/guest in from localhost only).',
      retry: false,
    };
  }
  return {
    line:
      `RabbitMQ is not reachable at ${where} (${message.split('\n')[0]}): start it (\`rabbitmq-server -detached\`, or ` +
      '`docker run -d -p 5672:5672 rabbitmq:3-management`) or set RABBITMQ_URL. Waiting for it...',
    retry: true,
  };
}

/** The URL without its password, fit for a log line. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString().replace(/\/$/, '');
  } catch {
    return '(an unparsable RABBITMQ_URL)';
  }
}

/**
 * Resolves once the broker is connected. The first failure is explained in one line on stderr; a
 * refused login rejects at once (retrying cannot fix credentials), an unreachable broker is waited for.
 */
export function waitForBroker(broker: Broker, url: string, say: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    let explained = false;
    const onFailure = (err: Error) => {
      const { line, retry } = explainBrokerFailure(err, url);
      if (!retry) {
        broker.off('connect_failed', onFailure);
        reject(new Error(line));
        return;
      }
      if (!explained) say(line);
      explained = true;
    };
    broker.on('connect_failed', onFailure);
    broker.start().then(() => {
      broker.off('connect_failed', onFailure);
      if (explained) say('RabbitMQ is reachable now.');
      resolve();
    });
  });
}
