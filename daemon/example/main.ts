// The example daemon from the command line (tests and benchmarks start it in-process):
//   DAEMON_SECRET=... node dist/daemon/example/main.js [port]
// Its folders (.mjs task and command files) are the source tree's daemon/example/{common,example}.
import { createDaemon } from '../daemon.js';
import { exampleFolders } from './folders.js';

const secret = process.env.DAEMON_SECRET;
if (!secret) {
  process.stderr.write('DAEMON_SECRET is required\n');
  process.exit(2);
}
const d = createDaemon({
  name: 'example',
  listen: { port: Number(process.argv[2] ?? 0) },
  secret,
  folders: exampleFolders(),
  services: { journal: [] as string[], gates: new Map<string, Promise<void>>() },
});
const { url } = await d.start();
process.stdout.write(`${url}\n`);
process.on('SIGTERM', () => void d.close().then(() => process.exit(0)));
