import { connect } from 'node:net';

/**
 * Sends one of ZooKeeper's four-letter words (`srvr`, `ruok`, `conf`, …) and resolves with the whole answer, which
 * the server ends by closing the connection. Rejects on a connection error or when no answer ends within
 * `timeoutMs`. The word must be in the server's `4lw.commands.whitelist`, else the answer says it is not executed.
 */
export function fourLetterWord(host: string, port: number, word: string, timeoutMs = 2_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const chunks: Buffer[] = [];
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no answer to '${word}' within ${timeoutMs} ms`)));
    socket.on('connect', () => socket.write(word));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', (hadError) => {
      if (!hadError) resolve(Buffer.concat(chunks).toString('utf8'));
    });
  });
}
