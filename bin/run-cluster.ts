#!/usr/bin/env node
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import { createLogger, startLocalZooKeeper, ZooKeeperNotFoundError } from '../broker/index.js';

/**
 * `npm run cluster`: a local ZooKeeper (the system's Apache ZooKeeper package) and three brokers on 127.0.0.1,
 * each a `samsa broker` process with docker/cluster.properties (the file docker-compose.yml uses) and its own id,
 * port and data directory under data/cluster/. Their log lines are prefixed with the broker's name. Ctrl-C stops
 * the brokers (controlled shutdown), then ZooKeeper; the data stays for the next run.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SAMSA = fileURLToPath(new URL('./samsa.js', import.meta.url));
const CLUSTER_PROPERTIES = `${ROOT}docker/cluster.properties`;

const program = new Command('cluster')
  .description('run ZooKeeper and a cluster of Samsa brokers on this machine')
  .option('--brokers <count>', 'number of brokers', positiveInt, 3)
  .option('--zookeeper-port <port>', 'ZooKeeper client port', positiveInt, 2181)
  .option('--first-port <port>', 'port of broker 1; broker n listens on first-port + n - 1', positiveInt, 9092)
  .option('--data <dir>', 'where ZooKeeper and the brokers keep their data', `${ROOT}data/cluster`);
program.parse();
const options = program.opts<{ brokers: number; zookeeperPort: number; firstPort: number; data: string }>();

const logger = createLogger({ pretty: process.stdout.isTTY });
let zookeeper: Awaited<ReturnType<typeof startLocalZooKeeper>>;
try {
  await mkdir(options.data, { recursive: true });
  zookeeper = await startLocalZooKeeper({
    dataDir: `${options.data}/zookeeper`,
    port: options.zookeeperPort,
    logger,
  });
} catch (err) {
  console.error(err instanceof ZooKeeperNotFoundError ? err.message : `cannot start ZooKeeper: ${String(err)}`);
  process.exit(1);
}
const zookeeperConnect = `${zookeeper.connectString}/samsa`;
console.log(`zookeeper   │ serving on ${zookeeper.connectString} (brokers use ${zookeeperConnect})`);

const brokers: ChildProcess[] = [];
for (let id = 1; id <= options.brokers; id++) brokers.push(startBroker(id));
const bootstrap = brokers.map((_, i) => `127.0.0.1:${options.firstPort + i}`).join(',');
console.log(`cluster     │ bootstrap servers: ${bootstrap}   (Ctrl-C stops everything)`);

let stopping = false;
const stop = async (): Promise<void> => {
  if (stopping) return;
  stopping = true;
  console.log('cluster     │ stopping the brokers, then ZooKeeper');
  await Promise.all(
    brokers.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        }),
    ),
  );
  await zookeeper.stop();
  process.exit(0);
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());

function startBroker(id: number): ChildProcess {
  const port = options.firstPort + id - 1;
  const name = `broker-${id}`.padEnd(11);
  const overrides = {
    'broker.id': String(id),
    listeners: `PLAINTEXT://127.0.0.1:${port}`,
    'log.dirs': `${options.data}/broker-${id}`,
    'zookeeper.connect': zookeeperConnect,
  };
  const args = [SAMSA, 'broker', CLUSTER_PROPERTIES, '--log-format', process.stdout.isTTY ? 'pretty' : 'json'];
  for (const [key, value] of Object.entries(overrides)) args.push('--override', `${key}=${value}`);
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => console.log(`${name} │ ${line}`));
  }
  child.once('exit', (code, signal) => {
    console.log(`${name} │ exited (${signal ?? code})`);
    if (!stopping && brokers.every((b) => b.exitCode !== null || b.signalCode !== null)) void stop();
  });
  return child;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}
