// A loopback TCP port free at the time of asking: the lab's QEMU forwards, and the tests'
// daemons that must come back on the same port after a restart (their clients keep the URL).
import { createServer } from 'node:net';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}
