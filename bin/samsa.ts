#!/usr/bin/env node
import { Command } from 'commander';

/**
 * The one `samsa` command. Subcommands arrive with their issues: `broker` (#4), `topic`/`group`/`config`/
 * `produce`/`consume`/`cluster`/`dump-log` (#7).
 */
const program = new Command('samsa').description('Samsa: a Kafka-compatible commit-log broker for Node.js');

program
  .command('broker')
  .description('run a broker (not available yet: the broker lands with issue #4)')
  .allowUnknownOption()
  .action(() => {
    console.error('samsa broker: the broker is not built yet; this checkout has the protocol layer only (issue #4).');
    process.exitCode = 1;
  });

await program.parseAsync();
