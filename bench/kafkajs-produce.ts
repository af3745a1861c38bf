import { Kafka, logLevel } from 'kafkajs';

/**
 * Child process of the broker suite, so that kafkajs does not share the event loop of the broker it measures:
 *   kafkajs-produce.ts <bootstrap> <topic> <count> <size> <acks> <batch>
 * sends `count` records of `size` bytes in sends of `batch`, one send at a time, after an untimed first send
 * (connection and metadata), and prints the milliseconds on stdout.
 */
const [bootstrap, topic, countArg, sizeArg, acksArg, batchArg] = process.argv.slice(2);
if (batchArg === undefined)
  throw new Error('usage: kafkajs-produce.ts <bootstrap> <topic> <count> <size> <acks> <batch>');
const count = Number(countArg);
const acks = Number(acksArg);
const value = Buffer.alloc(Number(sizeArg), 120);
const messages = Array.from({ length: Number(batchArg) }, () => ({ value }));

const producer = new Kafka({ brokers: [bootstrap!], logLevel: logLevel.NOTHING }).producer({
  allowAutoTopicCreation: false,
});
await producer.connect();
await producer.send({ topic: topic!, acks, messages: messages.slice(0, 1) });
const start = performance.now();
for (let sent = 0; sent < count; sent += messages.length) await producer.send({ topic: topic!, acks, messages });
const ms = performance.now() - start;
await producer.disconnect();
console.log(ms.toFixed(1));
