import { type Command, Option } from 'commander';
import { Broker, BrokerConfigError, createLogger, loadBrokerConfig } from '../../broker/index.js';

/**
 * `samsa broker [server.properties] [--override key=value ...]`, as kafka-server-start.sh takes them; SAMSA_*
 * environment variables sit between the file and the overrides. SIGTERM and SIGINT stop the broker cleanly.
 */
export function brokerCommand(program: Command): void {
  program
    .command('broker')
    .description('run a broker (single node unless zookeeper.connect is set)')
    .argument('[config]', 'a server.properties file')
    .option('--override <key=value...>', 'set a broker property (repeatable)', collect, [])
    .option('--log-level <level>', 'log level: trace, debug, info, warn, error', 'info')
    .addOption(
      new Option('--log-format <format>', 'log lines: pretty or json (default: pretty on a terminal)').choices([
        'pretty',
        'json',
      ]),
    )
    .action(async (file: string | undefined, options: { override: string[]; logLevel: string; logFormat?: string }) => {
      // pretty lines for a person at a terminal, JSON for anything collecting the output
      const pretty = options.logFormat === undefined ? process.stdout.isTTY : options.logFormat === 'pretty';
      const logger = createLogger({ level: options.logLevel, pretty });
      let broker: Broker;
      try {
        const config = await loadBrokerConfig({
          ...(file === undefined ? {} : { file }),
          overrides: options.override,
          env: process.env,
        });
        if (config.unknownKeys.length > 0) logger.warn({ keys: config.unknownKeys }, 'ignoring unknown properties');
        broker = await Broker.start(config, logger);
      } catch (err) {
        if (err instanceof BrokerConfigError) {
          console.error(`samsa broker: ${err.message}`);
          process.exitCode = 1;
          return;
        }
        throw err;
      }
      console.log(`samsa broker ${broker.config.brokerId} listening on ${broker.bootstrapServers}`);
      const stop = (signal: string): void => {
        logger.info({ signal }, 'stopping');
        broker.stop().then(
          () => process.exit(0),
          (err: unknown) => {
            logger.error({ err }, 'stop failed');
            process.exit(1);
          },
        );
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
