import { ControlledShutdown, ErrorCode } from '../../protocol/index.js';
import { Binding, type Logger } from '../logger.js';
import type { MetadataCache } from '../metadata/metadata-cache.js';
import { BrokerChannel, BrokerChannelError } from './broker-channel.js';
import { interBrokerEndpoint } from './inter-broker-endpoint.js';

export interface ControlledShutdownOptions {
  readonly brokerId: number;
  /** This broker's registration epoch, which the controller checks. */
  readonly brokerEpoch: number;
  /** Where the controller is: this broker's metadata (the controller keeps it current). */
  readonly metadataCache: MetadataCache;
  readonly interBrokerListenerName: string | null;
  /** controlled.shutdown.max.retries: attempts after the first. */
  readonly maxRetries: number;
  /** controlled.shutdown.retry.backoff.ms */
  readonly retryBackoffMs: number;
  /** controller.socket.timeout.ms: how long one attempt may wait for the controller. */
  readonly requestTimeoutMs: number;
  readonly logger: Logger;
}

/** ControlledShutdown v3: flexible, with the broker epoch (our controllers serve it). */
const CONTROLLED_SHUTDOWN_VERSION = 3;

/**
 * Kafka's KafkaServer.controlledShutdown: before stopping, ask the active controller to move this broker's
 * leaderships away and take it out of the ISRs, so clients fail over before the broker goes instead of after its
 * session times out. An attempt fails when no controller is known, it cannot be reached, it answers an error, or
 * partitions remain that only this broker can lead; failed attempts are retried after the backoff. Resolves true
 * once the controller answers with nothing remaining, false when the attempts run out (the broker then stops
 * anyway, as Kafka's does, and the controller elects new leaders when its registration disappears). Rejects only on
 * a fault of our own (a request the codec cannot encode).
 */
export async function requestControlledShutdown(options: ControlledShutdownOptions): Promise<boolean> {
  const log = options.logger.child({ [Binding.component]: 'controlled-shutdown' });
  for (let attempt = 0; attempt <= options.maxRetries; attempt++) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, options.retryBackoffMs));
    const outcome = await attemptOnce(options);
    if (outcome === null) {
      log.info({ attempt }, 'controlled shutdown succeeded');
      return true;
    }
    log.warn({ attempt, reason: outcome }, 'controlled shutdown attempt failed');
  }
  log.warn('controlled shutdown did not complete; stopping anyway');
  return false;
}

/** One attempt: null on success, otherwise why it failed. */
async function attemptOnce(options: ControlledShutdownOptions): Promise<string | null> {
  const snapshot = options.metadataCache.snapshot();
  const controller = snapshot.broker(snapshot.controllerId);
  const address =
    controller === undefined ? undefined : interBrokerEndpoint(controller, options.interBrokerListenerName);
  if (address === undefined) return `no reachable controller known (controller id ${snapshot.controllerId})`;
  const channel = new BrokerChannel({
    ...address,
    clientId: `broker-${options.brokerId}-controlled-shutdown`,
    requestTimeoutMs: options.requestTimeoutMs,
    logger: options.logger,
  });
  try {
    const response = await channel.send(ControlledShutdown, CONTROLLED_SHUTDOWN_VERSION, {
      brokerId: options.brokerId,
      brokerEpoch: options.brokerEpoch,
    });
    if (response.errorCode !== ErrorCode.NONE) return `controller answered error ${response.errorCode}`;
    if (response.remainingPartitions.length > 0) {
      const remaining = response.remainingPartitions.map((p) => `${p.topicName}-${p.partitionIndex}`);
      return `partitions still led here: ${remaining.join(', ')}`;
    }
    return null;
  } catch (err) {
    if (err instanceof BrokerChannelError) return `controller ${snapshot.controllerId}: ${err.message}`;
    throw err;
  } finally {
    channel.close();
  }
}
