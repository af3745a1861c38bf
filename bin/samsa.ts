#!/usr/bin/env node
import { Command } from 'commander';
import { brokerCommand } from './commands/broker.js';

/** The one `samsa` command. The client subcommands (topic, group, config, produce, consume, ...) come with #7. */
const program = new Command('samsa').description('Samsa: a Kafka-compatible commit-log broker for Node.js');
brokerCommand(program);
await program.parseAsync();
