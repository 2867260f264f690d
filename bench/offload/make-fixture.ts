// Writes test/fixtures/offload/tiny.pcap from test/support/offload-fixture.ts:
//   node dist/bench/offload/make-fixture.js
// (the lab capture of issue 19 will sit beside it once recorded).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writePcap } from '../../controller/offload/pcap.js';
import { projectRoot } from '../../lab/paths.js';
import { fixtureRecords } from '../../test/support/offload-fixture.js';

const file = join(projectRoot, 'test', 'fixtures', 'offload', 'tiny.pcap');
writeFileSync(file, writePcap(fixtureRecords()));
console.log(`wrote ${file}`);
