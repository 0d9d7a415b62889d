// Child-process entry for the "bare HTTP front" row: node:http with no framework, taking a POST /fhir/<type>, then
// doing exactly what the driver row does (parse, add `_id`, `id` and meta, one insertOne) and answering 201 with
// Location, ETag and the body. No check, no index, no version: what any HTTP server in front of the driver costs on
// this machine. Same IPC as server-process.ts: sends {port}, stops on "stop" or when the parent goes away.
import crypto from 'node:crypto';
import http from 'node:http';
import { MongoClient } from 'mongodb';

async function main(): Promise<void> {
  const client = new MongoClient(process.env.MONGODB_URI ?? '', { directConnection: true });
  await client.connect();
  const db = client.db(process.env.DB_NAME);
  const server = http.createServer((req, res) => {
    const type = /^\/fhir\/([A-Za-z]+)$/.exec(req.url ?? '')?.[1];
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || type === undefined) {
        res.writeHead(404).end();
        return;
      }
      const tree = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { meta?: Record<string, unknown> };
      const id = crypto.randomUUID();
      const meta = { versionId: '1', lastUpdated: new Date().toISOString(), ...tree.meta };
      const doc = { _id: id, ...tree, id, meta };
      db.collection<{ _id: string }>(type)
        .insertOne(doc)
        .then(() => {
          const { _id, ...resource } = doc;
          res.writeHead(201, {
            'content-type': 'application/fhir+json',
            location: `http://127.0.0.1/fhir/${type}/${id}/_history/1`,
            etag: 'W/"1"',
          });
          res.end(JSON.stringify(resource));
        })
        .catch((err: unknown) => res.writeHead(500).end(String(err)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const stop = (): void => {
    server.close();
    void client.close().finally(() => process.exit(0));
  };
  process.on('message', (m) => {
    if (m === 'stop') stop();
  });
  process.on('disconnect', stop);
  const address = server.address();
  process.send?.({ port: typeof address === 'object' && address ? address.port : -1 });
}

main().catch((err: unknown) => {
  process.stderr.write(
    `bench HTTP front: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
