// A counting XenStore proxy: a Unix socket that forwards to xenstored's and counts the
// requests clients send (the wire header: type, req_id, tx_id, len — docs/xenstore.md).
// libxenstore honours XENSTORED_PATH, so xl, libxl and its hotplug scripts can be pointed
// at it as well as our client: the counts compare toolstacks on the same daemon, whatever
// the CPU.
import { createConnection, createServer, type Server } from 'node:net';
import { rmSync } from 'node:fs';

export interface CountingProxy {
  path: string;
  /** requests forwarded since the last reset */
  count(): number;
  reset(): void;
  close(): Promise<void>;
}

export async function countingProxy(path: string, upstream = '/var/run/xenstored/socket'): Promise<CountingProxy> {
  let requests = 0;
  rmSync(path, { force: true });
  const server: Server = createServer((client) => {
    const up = createConnection(upstream);
    let pending: Buffer = Buffer.alloc(0);
    client.on('data', (b: Buffer) => {
      pending = pending.length ? Buffer.concat([pending, b]) : b;
      while (pending.length >= 16) {
        const len = pending.readUInt32LE(12);
        if (pending.length < 16 + len) break;
        requests++;
        pending = pending.subarray(16 + len);
      }
      up.write(b);
    });
    up.on('data', (b) => client.write(b));
    const end = (): void => {
      client.destroy();
      up.destroy();
    };
    client.on('close', end);
    up.on('close', end);
    client.on('error', end);
    up.on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return {
    path,
    count: () => requests,
    reset: () => {
      requests = 0;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
