import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';

/**
 * Three RabbitMQ nodes on this machine, clustered: each its own node name, AMQP port (5801-5803),
 * distribution port (25801-25803), management port (15801-15803, plugin left off: nothing here needs
 * it and three of them cost a shared CPU) and data directory. They share the Erlang cookie of the
 * user RabbitMQ runs as: started by root, `rabbitmq-server` and `rabbitmqctl` both switch to the user
 * `rabbitmq` (its ~/.erlang.cookie); started by another user, that user's cookie.
 */

export const NODES = [1, 2, 3].map((i) => ({
  name: `hl-c${i}@localhost`,
  amqpPort: 5800 + i,
  distPort: 25800 + i,
  managementPort: 15800 + i,
}));
export type NodeSpec = (typeof NODES)[number];

export function hasRabbitServer(): boolean {
  return spawnSync('sh', ['-c', 'command -v rabbitmq-server && command -v rabbitmqctl']).status === 0;
}

export class RabbitCluster {
  private constructor(readonly base: string) {}

  static async start(base: string, log: (line: string) => void = () => {}): Promise<RabbitCluster> {
    const cluster = new RabbitCluster(base);
    for (const node of NODES) cluster.prepare(node);
    try {
      // A node left over by an interrupted run would hold the ports: stop it first.
      for (const node of NODES) cluster.ctl(node, ['shutdown'], 30);
      for (const node of NODES) cluster.launch(node);
      for (const node of NODES) await cluster.awaitStartup(node);
      for (const node of NODES.slice(1)) {
        cluster.mustCtl(node, ['stop_app']);
        cluster.mustCtl(node, ['join_cluster', NODES[0]?.name ?? '']);
        cluster.mustCtl(node, ['start_app']);
        log(`${node.name} joined ${NODES[0]?.name}`);
      }
      const status = cluster.mustCtl(NODES[0] as NodeSpec, ['cluster_status', '--formatter', 'json']);
      const running = (JSON.parse(status) as { running_nodes: string[] }).running_nodes;
      if (running.length !== NODES.length) throw new Error(`cluster has ${running.length} running nodes: ${status}`);
    } catch (err) {
      await cluster.stop();
      throw err;
    }
    return cluster;
  }

  url(node: NodeSpec): string {
    return `amqp://guest:guest@127.0.0.1:${node.amqpPort}`;
  }

  private dir(node: NodeSpec): string {
    return join(this.base, node.name.replace('@', '-'));
  }

  private prepare(node: NodeSpec): void {
    const dir = this.dir(node);
    mkdirSync(join(dir, 'mnesia'), { recursive: true });
    mkdirSync(join(dir, 'log'), { recursive: true });
    writeFileSync(
      join(dir, 'rabbitmq.conf'),
      [
        `listeners.tcp.default = 127.0.0.1:${node.amqpPort}`,
        `management.tcp.port = ${node.managementPort}`,
        'management.tcp.ip = 127.0.0.1',
        'loopback_users = none',
        // The machine's disk may be fuller than RabbitMQ's default 50 MB margin on a shared CI box.
        'disk_free_limit.absolute = 10MB',
        '',
      ].join('\n'),
    );
    writeFileSync(join(dir, 'enabled_plugins'), '[].\n');
    // As root, RabbitMQ runs as the user `rabbitmq`: it must own its directories.
    if (process.getuid?.() === 0) spawnSync('chown', ['-R', 'rabbitmq:rabbitmq', this.base]);
  }

  private env(node: NodeSpec): NodeJS.ProcessEnv {
    const dir = this.dir(node);
    return {
      ...process.env,
      RABBITMQ_NODENAME: node.name,
      RABBITMQ_NODE_PORT: String(node.amqpPort),
      RABBITMQ_DIST_PORT: String(node.distPort),
      RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
      RABBITMQ_LOG_BASE: join(dir, 'log'),
      RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq.conf'),
      RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
      RABBITMQ_PID_FILE: join(dir, 'pid'),
    };
  }

  private ctl(node: NodeSpec, args: string[], timeoutS = 120) {
    return spawnSync('rabbitmqctl', ['-n', node.name, ...args], {
      env: this.env(node),
      encoding: 'utf8',
      timeout: timeoutS * 1000,
    });
  }

  private mustCtl(node: NodeSpec, args: string[]): string {
    const r = this.ctl(node, args);
    if (r.status !== 0) throw new Error(`rabbitmqctl -n ${node.name} ${args.join(' ')}: ${r.stderr || r.stdout}`);
    return r.stdout;
  }

  private launch(node: NodeSpec): void {
    const r = spawnSync('rabbitmq-server', ['-detached'], { env: this.env(node), encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`rabbitmq-server ${node.name}: ${r.stderr}`);
  }

  /** `await_startup` fails at once while a just-launched node cannot be asked yet: retry it. */
  private async awaitStartup(node: NodeSpec): Promise<void> {
    for (let i = 0; i < 60; i++) {
      if (this.ctl(node, ['await_startup', '--timeout', '60']).status === 0 && (await amqpOpen(node.amqpPort))) return;
      await new Promise((r) => setTimeout(r, 1000));
    }
    throw new Error(`${node.name} did not start`);
  }

  /** Every queue of the cluster with its type and consumer count, as node 1 sees them. */
  queues(): { name: string; type: string; consumers: number }[] {
    return JSON.parse(
      this.mustCtl(NODES[0] as NodeSpec, ['list_queues', 'name', 'type', 'consumers', '--formatter', 'json']),
    );
  }

  /** Stops the whole node (its Erlang VM), as a machine going down would. */
  stopNode(node: NodeSpec): void {
    this.mustCtl(node, ['stop']);
  }

  /** Starts a stopped node again; it rejoins the cluster by itself. */
  async startNode(node: NodeSpec): Promise<void> {
    this.launch(node);
    await this.awaitStartup(node);
  }

  /** Stops every node (at once: each shutdown waits for its VM to exit) and deletes their data. */
  async stop(): Promise<void> {
    await Promise.all(
      NODES.map(
        (node) =>
          new Promise<void>((resolve) => {
            const child = spawn('rabbitmqctl', ['-n', node.name, 'shutdown'], { env: this.env(node), stdio: 'ignore' });
            const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
            child.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            child.once('error', () => resolve());
          }),
      ),
    );
    rmSync(this.base, { recursive: true, force: true });
  }
}

function amqpOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port }, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}
