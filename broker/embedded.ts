import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Broker } from './broker.js';
import { parseBrokerConfig } from './config.js';
import { createLogger, type Logger } from './logger.js';

export interface StartBrokerOptions {
  /** Kafka broker properties, over the embedded defaults (see EMBEDDED_DEFAULTS). */
  properties?: Readonly<Record<string, string>>;
  /** Defaults to a silent logger. */
  logger?: Logger;
}

/** A broker for tests: loopback, an ephemeral port, a fresh temporary log directory, no waiting for groups. */
export const EMBEDDED_DEFAULTS: Readonly<Record<string, string>> = {
  listeners: 'PLAINTEXT://127.0.0.1:0',
  'offsets.topic.replication.factor': '1',
  'group.initial.rebalance.delay.ms': '0',
};

export interface EmbeddedBroker {
  readonly broker: Broker;
  /** host:port to hand to clients. */
  readonly bootstrap: string;
  readonly logDir: string;
  /** Stops the broker; removes the log directory if startBroker made it. */
  stop(): Promise<void>;
}

/**
 * Runs the production broker in this process for a test suite (ARCHITECTURE.md decision 6): the same code path
 * as `samsa broker`, on 127.0.0.1 with an ephemeral port and a temporary log directory unless `properties` say
 * otherwise.
 */
export async function startBroker(options: StartBrokerOptions = {}): Promise<EmbeddedBroker> {
  const properties = { ...EMBEDDED_DEFAULTS, ...options.properties };
  const ownDir = properties['log.dirs'] === undefined && properties['log.dir'] === undefined;
  const logDir = ownDir ? await mkdtemp(join(tmpdir(), 'samsa-')) : (properties['log.dirs'] ?? properties['log.dir'])!;
  if (ownDir) properties['log.dirs'] = logDir;
  try {
    const broker = await Broker.start(
      parseBrokerConfig(properties),
      options.logger ?? createLogger({ level: 'silent' }),
    );
    return {
      broker,
      bootstrap: broker.bootstrapServers,
      logDir,
      async stop() {
        await broker.stop();
        if (ownDir) await rm(logDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    if (ownDir) await rm(logDir, { recursive: true, force: true });
    throw err;
  }
}
