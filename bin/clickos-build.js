#!/usr/bin/env node
import { main } from '../dist/clickos-build/cli.js';

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`clickos-build: ${e?.stack ?? String(e)}\n`);
    process.exit(1);
  },
);
