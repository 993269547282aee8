import { startEmbeddedMongo } from './server';

const USAGE =
  'usage: hookline-mongo --port <port> [--dbpath <dir>] [--exit-with-parent]   (--port 0 picks a free port)';

interface CliArgs {
  port: number;
  dbPath?: string;
  /** Stop when standard input closes: the parent that spawned us died, even by kill -9. */
  exitWithParent?: boolean;
}

function parseArgs(argv: string[]): CliArgs {
  let port = 27017;
  let dbPath: string | undefined;
  let exitWithParent = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg?.includes('=') ? (arg.split(/=(.*)/s) as [string, string]) : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    if (flag === '--port') {
      port = Number(value());
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid port: ${String(port)}`);
    } else if (flag === '--dbpath') {
      dbPath = value();
    } else if (flag === '--exit-with-parent') {
      exitWithParent = true;
    } else if (flag === '--help' || flag === '-h') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else {
      throw new Error(`unknown argument: ${String(arg)}`);
    }
  }
  return { port, dbPath, exitWithParent };
}

/** Prints the URI as the first stdout line once listening, so scripts can read exactly one line. */
export async function main(argv = process.argv.slice(2)): Promise<void> {
  let args: CliArgs;
  try {
    args = parseArgs(argv);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
  const server = await startEmbeddedMongo({
    port: args.port,
    dbPath: args.dbPath,
    log: (msg) => process.stderr.write(`${msg}\n`),
  });
  process.stdout.write(`${server.uri}\n`);
  const shutdown = (): void => {
    void server.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  if (args.exitWithParent) {
    process.stdin.on('end', shutdown);
    process.stdin.on('close', shutdown);
    process.stdin.resume();
  }
}
