// An unexpected error is logged with the request id and answered 500 with an OperationOutcome that leaks nothing.
import { Writable } from 'node:stream';
import pino from 'pino';
import request from 'supertest';
import { loadConfig } from '../../src/config';
import { createApp } from '../../src/http/app';

it('answers 500 with an OperationOutcome and logs the error with the request id', async () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  const app = createApp(
    {
      config: loadConfig({}),
      logger: pino({ level: 'info' }, sink),
      ready: () => Promise.resolve(),
      storageFault: () => undefined,
      unavailable: () => undefined,
      repo: undefined as never,
      search: undefined as never,
      validator: undefined as never,
      handlers: {
        capabilities: () => {
          throw new Error('secret internals at /srv/db:27017');
        },
      },
    },
    {} as never,
  ); // GET /fhir/metadata is public: no authentication is asked, nor is it audited
  const res = await request(app).get('/fhir/metadata').expect(500);
  expect(res.body.resourceType).toBe('OperationOutcome');
  expect(res.body.issue[0].code).toBe('exception');
  expect(JSON.stringify(res.body)).not.toContain('secret');
  const id = res.headers['x-request-id'] as string;
  expect(res.body.issue[0].diagnostics).toContain(id);
  const logged = lines.map((l) => JSON.parse(l) as { requestId?: string; err?: { message: string } });
  expect(logged.some((l) => l.requestId === id && l.err?.message.includes('secret'))).toBe(true);
});
