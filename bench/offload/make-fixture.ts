// Writes test/fixtures/offload/tiny.pcap from test/support/offload-fixture.ts:
//   node dist/bench/offload/make-fixture.js
// Beside it, lab-gen.pcap is a real capture made in the lab (test/lab/routing-clickos.test.ts,
// ROUTING_CAPTURE_PRINT=1), read by test/unit/offload-pcap.test.ts.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writePcap } from '../../controller/offload/pcap.js';
import { projectRoot } from '../../lab/paths.js';
import { fixtureRecords } from '../../test/support/offload-fixture.js';

const file = join(projectRoot, 'test', 'fixtures', 'offload', 'tiny.pcap');
writeFileSync(file, writePcap(fixtureRecords()));
console.log(`wrote ${file}`);
