/**
 * `serve` against hostile and careless clients: request bodies and what they inflate to are capped
 * by --http-max-input-size (Triton's flag, default 64 MiB) with Triton's messages, and a gzip bomb
 * leaves serve's memory bounded; a model printing megabytes without a newline does not stall the
 * server; client mistakes (data nested 20 000 deep, malformed gzip, a client leaving mid-body) are
 * answered or logged in one line, never as internal errors; and the small truths of Triton's HTTP
 * frontend, checked by hand against Triton 2.51.0: the URL version past int64, NaN and infinities
 * in JSON tensors, Inference-Header-Content-Length read with atoi, generate on a decoupled model.
 */

import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, runCli } from '../helpers/cli.js';
import { writeCounterStream, writeEcho, writeFp, writePrinter } from '../helpers/serve-models.js';
import { call, killAllServers, peakResidentBytes, rawRequest, startServe, type RawAnswer, type Served } from '../helpers/serve.js';

const SMALL_LIMIT = 4096;
const MiB = 1024 * 1024;

let root: string;
let repository: string;
/** --http-max-input-size 4096. */
let small: Served;
/** The default limit, 64 MiB. */
let standard: Served;

beforeAll(async () => {
  root = makeTempDir('ctm-serve-limits-');
  repository = path.join(root, 'models');
  writeEcho(repository);
  writeFp(repository);
  writePrinter(repository);
  writeCounterStream(repository);
  [small, standard] = await Promise.all([startServe([repository, '--http-max-input-size', String(SMALL_LIMIT)], { cwd: root }), startServe([repository], { cwd: root })]);
});

afterAll(() => {
  killAllServers();
  fs.rmSync(root, { recursive: true, force: true });
});

const fpBody = (data: unknown, shape = [1]) => JSON.stringify({ inputs: [{ name: 'x', datatype: 'FP32', shape, data }] });
const echoBody = (x: number[]) => JSON.stringify({ inputs: [{ name: 'x', datatype: 'INT32', shape: [x.length], data: x }] });

async function answered(promise: Promise<RawAnswer | 'abandoned'>): Promise<RawAnswer> {
  const answer = await promise;
  if (answer === 'abandoned') throw new Error('abandoned');
  return answer;
}

/** A gzip body that inflates to `mebibytes` MiB of zeros: one 64 MiB member, repeated (gzip allows concatenated members). */
function gzipBomb(mebibytes: number): Buffer {
  const member = zlib.gzipSync(Buffer.alloc(64 * MiB), { level: 9 });
  return Buffer.concat(Array.from({ length: mebibytes / 64 }, () => member));
}

describe('serve --http-max-input-size', () => {
  const limitMessage = (what: string, limit: number) => `${what} exceeds the maximum allowed value of ${limit} bytes. Use --http-max-input-size to increase the limit.`;

  it('refuses a Content-Length past the limit before reading, and a body that grows past it while reading, with 400 and Triton’s wording', async () => {
    const declared = await answered(rawRequest(`${small.url}/v2/models/echo/infer`, { headers: { 'content-length': SMALL_LIMIT + 1 }, body: Buffer.alloc(SMALL_LIMIT + 1, 32) }));
    expect([declared.status, JSON.parse(declared.body)]).toEqual([400, { error: limitMessage(`Request body size of ${SMALL_LIMIT + 1} bytes`, SMALL_LIMIT) }]);
    // A client still writing megabytes when the 400 comes reads it too: the connection is not reset under it (a few times: the reset was a race).
    for (let attempt = 0; attempt < 4; attempt++) {
      const large = await answered(rawRequest(`${small.url}/v2/models/echo/infer`, { headers: { 'content-length': 8 * MiB }, body: Buffer.alloc(8 * MiB, 32) }));
      expect([large.status, JSON.parse(large.body)]).toEqual([400, { error: limitMessage(`Request body size of ${8 * MiB} bytes`, SMALL_LIMIT) }]);
    }

    // Chunked: no length up front; serve stops keeping it once it passes the limit.
    const chunks = Array.from({ length: 64 }, () => Buffer.alloc(1024, 32));
    const streamed = await answered(rawRequest(`${small.url}/v2/models/echo/infer`, { headers: { 'transfer-encoding': 'chunked' }, body: chunks }));
    expect([streamed.status, JSON.parse(streamed.body)]).toEqual([400, { error: limitMessage('Request body size', SMALL_LIMIT) }]);

    // At the limit is fine: JSON padded with spaces to exactly 4096 bytes.
    const exact = echoBody([5]).padEnd(SMALL_LIMIT, ' ');
    const fits = await call(`${small.url}/v2/models/echo/infer`, { body: exact });
    expect([fits.status, fits.json.outputs[0].data]).toEqual([200, [6]]);
  });

  it('caps what a gzip or deflate body inflates to, with Triton’s message; a compressed body within the limit is served', async () => {
    const padded = Buffer.from(echoBody([1]).padEnd(SMALL_LIMIT + 1, ' '));
    for (const [encoding, compress] of [
      ['gzip', zlib.gzipSync],
      ['deflate', zlib.deflateSync],
    ] as const) {
      const over = await answered(rawRequest(`${small.url}/v2/models/echo/infer`, { headers: { 'content-encoding': encoding }, body: compress(padded) }));
      expect([encoding, over.status, JSON.parse(over.body)]).toEqual([encoding, 400, { error: limitMessage('Decompressed data size', SMALL_LIMIT) }]);
      const within = await answered(rawRequest(`${small.url}/v2/models/echo/infer`, { headers: { 'content-encoding': encoding }, body: compress(Buffer.from(echoBody([1, 2]))) }));
      expect([encoding, within.status, JSON.parse(within.body).outputs[0].data]).toEqual([encoding, 200, [2, 3]]);
    }
  });

  it('a gzip bomb from four clients at once (1 GiB each when inflated) leaves serve’s peak memory under 512 MiB, and serve answering', async () => {
    // Bound: Node's own ~100 MiB, plus per request the compressed body (1 MiB) and at most the
    // 64 MiB limit inflated, times four; the old code inflated every bomb whole (4 GiB and more).
    const bomb = gzipBomb(1024);
    const answers = await Promise.all(
      Array.from({ length: 4 }, () => answered(rawRequest(`${standard.url}/v2/models/echo/infer`, { headers: { 'content-encoding': 'gzip' }, body: bomb, timeoutMs: 120_000 }))),
    );
    for (const answer of answers) expect([answer.status, JSON.parse(answer.body)]).toEqual([400, { error: limitMessage('Decompressed data size', 2 ** 26) }]);
    expect(peakResidentBytes(standard.pid)).toBeLessThan(512 * MiB);
    expect((await call(`${standard.url}/v2/models/echo/infer`, { body: echoBody([1]) })).status).toBe(200);
  });

  it('refuses a value that is not a positive number of bytes: one line, exit 1', async () => {
    for (const value of ['0', '-5', '64MB']) {
      const result = await runCli(['serve', repository, '--http-max-input-size', value], { cwd: root });
      expect([value, result.exitCode, result.stderr]).toEqual([value, 1, `error: --http-max-input-size "${value}": must be a number of bytes greater than 0 (default 67108864, 64 MiB)`]);
    }
  });
});

describe('serve: a model that prints without newlines', () => {
  it('30 MB of progress-bar redraws on one line cost one line and no stall: the request and /v2/health/live answer, the log holds the last redraw', async () => {
    const started = Date.now();
    const request = call(`${standard.url}/v2/models/printer/infer`, { body: echoBody([30]) }, 60_000);
    // While the model prints, the server answers everyone else.
    const live = await call(`${standard.url}/v2/health/live`, {}, 10_000);
    expect(live.status).toBe(200);
    const answer = await request;
    expect(answer.status).toBe(200);
    // Rescanning the growing line (the old way) took about a minute for 30 MB.
    expect(Date.now() - started).toBeLessThan(30_000);
    await standard.waitFor(/^progress done$/m);
    expect(standard.stderr()).not.toContain('#'.repeat(90));
  });

  it('a line longer than 64 KiB is printed cut, with a note, and the output after it is whole again', async () => {
    const answer = await call(`${standard.url}/v2/models/printer/infer`, { body: echoBody([-1]) });
    expect(answer.status).toBe(200);
    const line = (await standard.waitFor(/^L+ \[\.\.\. cut: the line is longer than 65536 characters\]$/m))[0];
    expect(line.length).toBe(65536 + ' [... cut: the line is longer than 65536 characters]'.length);
  });
});

describe('serve: client mistakes are answered as such, and logged in one line', () => {
  it('data nested 20 000 levels deep is read as Triton 2.51.0 reads it (200), not a 500 stack overflow', async () => {
    const depth = 20_000;
    const answer = await call(`${standard.url}/v2/models/fp/infer`, { body: fpBody(null).replace('null', `${'['.repeat(depth)}1.5${']'.repeat(depth)}`) });
    expect([answer.status, answer.json.outputs[0].data]).toEqual([200, [1.5]]);
  });

  it('malformed gzip is 400 with the reason, an empty gzip body is 400 "nothing to be decompressed" (Triton’s words); no stack in the log', async () => {
    const bad = await answered(rawRequest(`${standard.url}/v2/models/echo/infer`, { headers: { 'content-encoding': 'gzip' }, body: Buffer.from('not gzip at all') }));
    expect([bad.status, JSON.parse(bad.body)]).toEqual([400, { error: 'failed to decompress the request body (Content-Encoding: gzip): incorrect header check' }]);
    const empty = await answered(rawRequest(`${standard.url}/v2/models/echo/infer`, { headers: { 'content-encoding': 'gzip' }, body: Buffer.alloc(0) }));
    expect([empty.status, JSON.parse(empty.body)]).toEqual([400, { error: 'nothing to be decompressed' }]);
    await standard.waitFor(/echo version 1: POST \/v2\/models\/echo\/infer 400 in [\d.]+ ms/);
    expect(standard.stderr()).not.toMatch(/internal error|^\s+at /m);
  });

  it('a client that leaves mid-body is one log line saying so, not an internal error with a stack', async () => {
    const gone = await rawRequest(`${small.url}/v2/models/fp/infer`, {
      headers: { 'content-length': 1000 },
      body: (function* () {
        yield Buffer.from('{"inputs": [');
      })(),
      abandonAfterMs: 300,
    }).catch((error: Error) => error);
    expect(gone).toBe('abandoned');
    await small.waitFor(/I\d{4} [\d:.]+ \d+ serve\] fp version 1: POST \/v2\/models\/fp\/infer abandoned by the client in [\d.]+ ms/);
    expect(small.stderr()).not.toMatch(/internal error|^\s+at /m);
  });
});

describe('serve: small truths of Triton’s HTTP frontend (checked against Triton 2.51.0)', () => {
  it('a URL version past int64 is 400 with Triton’s stol message, on infer, ready and metadata alike; 9223372036854775807 is a version not found, and /ready of a version that does not exist 400', async () => {
    const huge = '99999999999999999999999';
    const message = `failed to get model version from specified version string '${huge}' (details: stol), version should be an integral value > 0`;
    for (const [url, init] of [
      [`${standard.url}/v2/models/fp/versions/${huge}/infer`, { body: fpBody([1]) }],
      [`${standard.url}/v2/models/fp/versions/${huge}/ready`, {}],
      [`${standard.url}/v2/models/fp/versions/${huge}`, {}],
      [`${standard.url}/v2/models/nope/versions/${huge}/infer`, { body: '{}' }],
    ] as const) {
      const answer = await call(url, init);
      expect([url, answer.status, answer.json]).toEqual([url, 400, { error: message }]);
    }
    const largest = await call(`${standard.url}/v2/models/fp/versions/9223372036854775807/infer`, { body: fpBody([1]) });
    expect([largest.status, largest.json]).toEqual([404, { error: "Request for unknown model: 'fp' version 9223372036854775807 is not found" }]);
    // A version a known model does not have is "not ready" on /ready (Triton 2.51.0: 400 for /versions/0/ready).
    const none = await call(`${standard.url}/v2/models/fp/versions/0/ready`);
    expect([none.status, none.json]).toEqual([400, { error: 'Model version not ready' }]);
  });

  it('FP32 3.5e38 overflows to infinity and comes back as Infinity (Triton writes NaN and infinities as such), 200; NaN and Infinity are read too; 1e400 is refused', async () => {
    const overflow = await call(`${standard.url}/v2/models/fp/infer`, { body: fpBody([3.5e38, -3.5e38, 1.5], [3]) });
    expect(overflow.status, overflow.body.toString()).toBe(200);
    expect(overflow.body.toString()).toBe('{"model_name":"fp","model_version":"1","outputs":[{"name":"y","datatype":"FP32","shape":[3],"data":[Infinity,-Infinity,1.5]}]}');
    const special = await call(`${standard.url}/v2/models/fp/infer`, { body: '{"inputs":[{"name":"x","datatype":"FP32","shape":[3],"data":[NaN,Infinity,-Infinity]}]}' });
    expect([special.status, special.body.toString()]).toEqual([200, '{"model_name":"fp","model_version":"1","outputs":[{"name":"y","datatype":"FP32","shape":[3],"data":[NaN,Infinity,-Infinity]}]}']);
    const tooBig = await call(`${standard.url}/v2/models/fp/infer`, { body: '{"inputs":[{"name":"x","datatype":"FP32","shape":[1],"data":[1e400]}]}' });
    expect([tooBig.status, tooBig.json]).toEqual([500, { error: 'failed to parse the request JSON buffer: Number too big to be stored in double. at 61' }]);
  });

  it('Inference-Header-Content-Length is read as Triton 2.51.0 reads it (atoi): "101abc" is 101, "100abc" cuts the JSON header short, text without digits is 0, a raw binary request', async () => {
    const header = Buffer.from(fpBody(null, [1]).replace('"data":null', '"parameters":{"binary_data_size":4}'));
    const blob = Buffer.alloc(4);
    blob.writeFloatLE(2.5);
    const body = Buffer.concat([header, blob]);
    const send = (value: string) => call(`${standard.url}/v2/models/fp/infer`, { body, headers: { 'inference-header-content-length': value } });
    const exact = await send(`${header.length}abc`);
    expect([exact.status, exact.json?.outputs?.[0]?.data]).toEqual([200, [2.5]]);
    const short = await send(`${header.length - 1}abc`);
    expect(short.status).toBe(500);
    expect(short.json.error).toMatch(/^failed to parse the request JSON buffer: /);
    // The whole body is the data of the model's one input, its variable dimension what the bytes give; outputs come back binary.
    const floats = Buffer.from(new Float32Array([1.5, -2]).buffer);
    const raw = await call(`${standard.url}/v2/models/fp/infer`, { body: floats, headers: { 'inference-header-content-length': 'abc' } });
    expect([raw.status, raw.json?.outputs, raw.binary.get('y')]).toEqual([200, [{ name: 'y', datatype: 'FP32', shape: [2], parameters: { binary_data_size: 8 } }], floats]);
    const negative = await send('-1');
    expect([negative.status, negative.json]).toEqual([400, { error: `inference header size should be in range (0, ${body.length}), got: -1` }]);
  });

  it('generate on a decoupled model answers 200 whatever the number of responses: one response as its outputs, any other count as an error body (as Triton 2.51.0 does)', async () => {
    const generate = (n: number) => call(`${standard.url}/v2/models/dec3/generate`, { body: JSON.stringify({ x: [n] }) });
    const one = await generate(1);
    expect([one.status, one.json]).toEqual([200, { model_name: 'dec3', model_version: '1', y: 0 }]);
    for (const n of [0, 3]) {
      const answer = await generate(n);
      expect([n, answer.status, answer.json]).toEqual([
        n,
        200,
        { error: 'generate expects model to produce exactly 1 response, use generate stream for model that generates various number of responses' },
      ]);
    }
  });
});
