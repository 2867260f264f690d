// dom0's entry point for the exec agent: `main.js --port N --token-file PATH`.
import { readFileSync } from 'node:fs';
import { agentServer } from './server.js';

function option(name: string): string {
  const i = process.argv.indexOf(name);
  const v = i >= 0 ? process.argv[i + 1] : undefined;
  if (!v) throw new Error(`usage: main.js --port N --token-file PATH (missing ${name})`);
  return v;
}

const port = Number(option('--port'));
const token = readFileSync(option('--token-file'), 'utf8').trim();
// Only dom0 runs this entry point: its 9p share is cached (lab/dom0/init.sh).
agentServer(token, { dropCaches: true }).listen(port, '0.0.0.0', () => console.log(`lab agent listening on ${port}`));
