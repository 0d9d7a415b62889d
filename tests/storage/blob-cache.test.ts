// Resource texts in memory (src/storage/blob-cache.ts): a read costs one command, and the cache stays bounded.
import request from 'supertest';
import { BlobCache } from '../../src/storage/blob-cache';
import { commandsDuring, startMonitoredServer } from '../support/commands';

const body = (id: string, text: string) => JSON.stringify({ resourceType: 'Basic', id, code: { text } });

// With the cache, the read only asks whether a version newer than the one it remembers exists (head-cache.ts);
// without it, at once whether a write is in flight (the journal, in `keys`) and the first versions, the
// newest of which holds the text. Never the view.
it.each([
  ['64', ['versions']],
  ['0', ['keys', 'versions']],
])('RESOURCE_CACHE_MB=%s: a read after a write asks the database for %j', async (mb, expected) => {
  const server = await startMonitoredServer({ RESOURCE_CACHE_MB: mb });
  try {
    await request(server.url)
      .put('/fhir/Basic/cached')
      .set('Content-Type', 'application/fhir+json')
      .send(body('cached', 'v1'))
      .expect(201);
    await request(server.url)
      .put('/fhir/Basic/cached')
      .set('Content-Type', 'application/fhir+json')
      .send(body('cached', 'v2'))
      .expect(200);
    let read: request.Response | undefined;
    const commands = await commandsDuring(server, async () => {
      read = await request(server.url).get('/fhir/Basic/cached').expect(200);
    });
    const finds = commands.filter((e) => e.commandName === 'find').map((e) => String(e.command.find));
    expect(read!.body.code.text).toBe('v2'); // the current version, never an older cached one
    expect(finds.sort()).toEqual(expected);
  } finally {
    await server.close();
  }
});

it('keeps the most recently used texts within its size, and none larger than a tenth of it', () => {
  const cache = new BlobCache(100);
  cache.set('a', 'x'.repeat(10));
  cache.set('b', 'y'.repeat(10));
  cache.set('huge', 'z'.repeat(11));
  expect(cache.get('huge')).toBeUndefined();
  for (let i = 0; i < 8; i++) cache.set(`n${i}`, String(i).repeat(10)); // full: 100
  cache.get('a'); // used: kept over 'b'
  cache.set('last', 'w'.repeat(10));
  expect(cache.get('a')).toBe('x'.repeat(10));
  expect(cache.get('b')).toBeUndefined();
  expect(cache.get('last')).toBe('w'.repeat(10));
});
