import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { type ApiSchema, UpdateMetadata } from '../../../protocol/index.js';
import {
  type ChannelTarget,
  type ControllerChannel,
  ControllerChannelManager,
} from '../../../broker/controller/controller-channel-manager.js';
import { waitFor } from '../../helpers/broker-process.js';

const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });

/** A channel whose sends the test settles by hand, one at a time. */
class ManualChannel implements ControllerChannel {
  readonly sent: { epoch: number; settle: (error?: Error) => void }[] = [];
  closed = false;

  send<A extends ApiSchema>(_api: A, _version: number, request: unknown) {
    return new Promise<never>((resolve, reject) => {
      this.sent.push({
        epoch: (request as { controllerEpoch: number }).controllerEpoch,
        settle: (error) => (error === undefined ? resolve({ errorCode: 0 } as never) : reject(error)),
      });
    });
  }

  close(): void {
    this.closed = true;
  }
}

function manager() {
  const channels: ManualChannel[] = [];
  const channelManager = new ControllerChannelManager({
    factory: (_target: ChannelTarget) => {
      const channel = new ManualChannel();
      channels.push(channel);
      return channel;
    },
    logger,
    requestTimeoutMs: 1_000,
    retryBackoffMs: 5,
  });
  const send = (brokerId: number, marker: number, onResponse?: () => void) =>
    channelManager.send(
      brokerId,
      UpdateMetadata,
      7,
      { controllerId: 0, controllerEpoch: marker, brokerEpoch: 0, topicStates: [], liveBrokers: [] },
      onResponse,
    );
  return { channelManager, channels, send };
}

describe('ControllerChannelManager', () => {
  it('sends one request at a time per broker, in order, and retries a failed one before the next', async () => {
    const { channelManager, channels, send } = manager();
    channelManager.addBroker({ brokerId: 1, host: '127.0.0.1', port: 1 });
    const answered: number[] = [];
    for (const marker of [1, 2, 3]) send(1, marker, () => answered.push(marker));
    const [channel] = channels;
    await waitFor(() => channel!.sent.length === 1);
    channel!.sent[0]!.settle(new Error('connection refused'));
    await waitFor(() => channel!.sent.length === 2);
    expect(channel!.sent.map((s) => s.epoch)).toEqual([1, 1]);
    channel!.sent[1]!.settle();
    await waitFor(() => channel!.sent.length === 3);
    channel!.sent[2]!.settle();
    await waitFor(() => channel!.sent.length === 4);
    channel!.sent[3]!.settle();
    await waitFor(() => answered.length === 3);
    expect(channel!.sent.map((s) => s.epoch)).toEqual([1, 1, 2, 3]);
    expect(answered).toEqual([1, 2, 3]);
  });

  it('drops the queue and closes the channel of a broker that left; a broker without a channel gets nothing', async () => {
    const { channelManager, channels, send } = manager();
    channelManager.addBroker({ brokerId: 1, host: '127.0.0.1', port: 1 });
    send(1, 1);
    send(1, 2);
    await waitFor(() => channels[0]!.sent.length === 1);
    channelManager.removeBroker(1);
    expect(channels[0]!.closed).toBe(true);
    channels[0]!.sent[0]!.settle(new Error('closed'));
    send(1, 3);
    channelManager.addBroker({ brokerId: 1, host: '127.0.0.1', port: 1 });
    send(1, 4);
    await waitFor(() => channels[1]!.sent.length === 1);
    expect(channels[1]!.sent[0]!.epoch).toBe(4);
    expect(channels[0]!.sent).toHaveLength(1);
    channelManager.close();
    expect(channels[1]!.closed).toBe(true);
  });
});
