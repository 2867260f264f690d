import t from 'tap';
import { chunkConfig, CHUNK_SIZE } from '../../guests/router.js';

t.test('configs are cut in ≤512-byte chunks that join back exactly', async (t) => {
  for (const text of ['', 'a', 'x'.repeat(512), 'x'.repeat(513), 'é'.repeat(700), `${'a'.repeat(511)}€tail`, 'line\n'.repeat(300)]) {
    const chunks = chunkConfig(text);
    t.ok(chunks.every((c) => c.length > 0 && c.length <= CHUNK_SIZE), `sizes for ${text.length} chars`);
    t.equal(Buffer.concat(chunks).toString('utf8'), text, 'joined back');
    for (const c of chunks) t.notOk(c.toString('utf8').includes('\uFFFD'), 'no UTF-8 character is cut');
  }
  t.equal(chunkConfig('x'.repeat(1025)).length, 3);
});
