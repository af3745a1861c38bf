import { CompressionCodecs, CompressionTypes } from 'kafkajs';
import { compress, CompressionType, decompress } from '../../protocol/index.js';

/** Plugs an LZ4 codec (the protocol's own, over the `lz4` package) into kafkajs, which ships none. Idempotent. */
export function installKafkajsLz4(): void {
  CompressionCodecs[CompressionTypes.LZ4] = () => ({
    compress: (encoder: { buffer: Buffer }) => compress(CompressionType.Lz4, encoder.buffer),
    decompress: (buffer: Buffer) => decompress(CompressionType.Lz4, buffer),
  });
}
