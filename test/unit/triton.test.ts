/**
 * The KServe v2 client of src/triton/, in process: tensor bytes, server-sent events, the client and
 * the test request against the test KServe server on 127.0.0.1, and readiness polling.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeInferResponse, generateStream, infer, KServeError, NoAnswerError, SseParser } from '../../src/triton/client.js';
import { waitUntilReady } from '../../src/triton/readiness.js';
import { runSmokeTest, smokeRequestFor, type SmokeModel } from '../../src/triton/smoke.js';
import { bfloat16Bits, encodeTensor, float16Bits } from '../../src/triton/tensor-bytes.js';
import { freePorts } from '../helpers/docker.js';
import { startKserveServer, type RunningKserveServer } from '../helpers/kserve-server.mjs';

describe('tensor bytes', () => {
  it('float16 bits, rounded to nearest even, with subnormals, overflow and specials', () => {
    expect([0, 1, -2, 0.5, 65504, 1e6, -Infinity].map(float16Bits)).toEqual([0x0000, 0x3c00, 0xc000, 0x3800, 0x7bff, 0x7c00, 0xfc00]);
    expect(float16Bits(5.960464477539063e-8)).toBe(0x0001); // smallest subnormal
    expect(float16Bits(1e-9)).toBe(0x0000);
    expect(float16Bits(1 + 2 ** -11)).toBe(0x3c00); // halfway: to even
    expect(float16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02); // halfway: to even (up)
    expect(float16Bits(Number.NaN) & 0x7e00).toBe(0x7e00);
  });

  it('bfloat16 bits are the float32 upper half, rounded to nearest even', () => {
    expect([0, 1, -2, 3.140625].map(bfloat16Bits)).toEqual([0x0000, 0x3f80, 0xc000, 0x4049]);
    expect(bfloat16Bits(Number.NaN)).toBe(0x7fc0);
  });

  it('encodes each type little-endian; BYTES with 4-byte lengths', () => {
    expect([...encodeTensor('INT32', [1, -1])]).toEqual([1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]);
    expect([...encodeTensor('BOOL', [true, false])]).toEqual([1, 0]);
    expect([...encodeTensor('FP16', [1])]).toEqual([0x00, 0x3c]);
    expect([...encodeTensor('BF16', [1])]).toEqual([0x80, 0x3f]);
    expect([...encodeTensor('INT64', [2])]).toEqual([2, 0, 0, 0, 0, 0, 0, 0]);
    expect(encodeTensor('STRING', ['hé'])).toEqual(Buffer.from([3, 0, 0, 0, 0x68, 0xc3, 0xa9]));
  });
});

describe('server-sent events', () => {
  it('splits events across arbitrary chunk boundaries, joins multi-line data, ignores comments', () => {
    const parser = new SseParser();
    const text = ': hello\n\ndata: {"a":1}\r\n\r\ndata: line1\ndata: line2\n\nevent: x\ndata: {"b":2}\n\ndata: tail';
    const events: string[] = [];
    for (let i = 0; i < text.length; i += 3) events.push(...parser.push(text.slice(i, i + 3)));
    events.push(...parser.end());
    expect(events).toEqual(['{"a":1}', 'line1\nline2', '{"b":2}', 'tail']);
  });
});

describe('KServe client against the test server', () => {
  let server: RunningKserveServer;
  const model = (over: Partial<SmokeModel>): SmokeModel => ({ name: 'm', maxBatchSize: 0, decoupled: false, inputs: [], outputs: [], ...over });
  beforeAll(async () => {
    server = await startKserveServer({
      models: {
        half: { inputs: [{ name: 'x', datatype: 'BF16', shape: [2] }], outputs: [{ name: 'y', datatype: 'BF16', shape: [2] }, { name: 's', datatype: 'BYTES', shape: [1] }] },
        broken: { behaviour: 'infer-error', outputs: [] },
        stream: { decoupled: true, behaviour: 'stream-error', inputs: [{ name: 'p', datatype: 'BYTES', shape: [1] }], outputs: [{ name: 't', datatype: 'BYTES', shape: [1] }] },
      },
    });
  });
  afterAll(() => server.close());
  const base = () => new URL(server.url);

  it('BF16 in and out through the binary extension; JSON outputs alongside', async () => {
    const half = model({ name: 'half', inputs: [{ name: 'x', dataType: 'BF16', dims: [2] }], outputs: [{ name: 'y', dataType: 'BF16', dims: [2] }, { name: 's', dataType: 'STRING', dims: [1] }] });
    const request = smokeRequestFor(half);
    expect(request.kind).toBe('infer');
    const answer = await runSmokeTest(base(), half, request as Exclude<typeof request, { kind: 'none' }>, 5_000);
    expect(answer.responses[0]).toEqual([
      { name: 'y', datatype: 'BF16', shape: [2], detail: '(4 bytes, binary)' },
      { name: 's', datatype: 'BYTES', shape: [1], detail: '"response 1"' },
    ]);
    const sent = server.requests().at(-1)!;
    expect(sent.json.inputs).toEqual([{ name: 'x', shape: [2], datatype: 'BF16', parameters: { binary_data_size: 4 } }]);
    expect([...Buffer.from(sent.binary!, 'base64')]).toEqual([0x00, 0x00, 0x80, 0x3f]);
  });

  it("an error answer becomes a KServeError with Triton's message", async () => {
    await expect(infer(base(), 'broken', { inputs: [] }, [], 5_000)).rejects.toMatchObject({ status: 500, detail: 'Traceback (most recent call last): ValueError: the model is broken' });
    await expect(infer(base(), 'nope', { inputs: [] }, [], 5_000)).rejects.toBeInstanceOf(KServeError);
  });

  it('an error event in a 200 stream ends generate_stream with that error, after the responses before it', async () => {
    const events: unknown[] = [];
    await expect(generateStream(base(), 'stream', { p: 'x' }, 5_000, (e) => events.push(e))).rejects.toMatchObject({ status: 200, detail: 'the model failed on its second response' });
    expect(events).toEqual([{ model_name: 'stream', model_version: '1', t: 'response 1 of 3' }]);
  });

  it('a binary answer is split at Inference-Header-Content-Length', () => {
    const header = Buffer.from(JSON.stringify({ outputs: [{ name: 'a', datatype: 'UINT8', shape: [3], parameters: { binary_data_size: 3 } }] }));
    const decoded = decodeInferResponse({ status: 200, headers: { 'inference-header-content-length': String(header.length) }, body: Buffer.concat([header, Buffer.from([7, 8, 9])]) });
    expect([...decoded.outputs[0]!.binary!]).toEqual([7, 8, 9]);
    expect(() => decodeInferResponse({ status: 200, headers: { 'inference-header-content-length': '999' }, body: header })).toThrow(/does not fit/);
  });

  it('no server: NoAnswerError', async () => {
    const [port] = (await freePorts(1)) as [number];
    await expect(infer(new URL(`http://127.0.0.1:${port}`), 'm', { inputs: [] }, [], 2_000)).rejects.toBeInstanceOf(NoAnswerError);
  });

  it('a decoupled model whose inputs generate_stream cannot carry gets no request, and a reason', () => {
    const request = smokeRequestFor(model({ decoupled: true, maxBatchSize: 4, inputs: [{ name: 'p', dataType: 'STRING', dims: [1] }] }));
    expect(request).toEqual({ kind: 'none', reason: expect.stringContaining('gRPC streaming (python client.py)') });
  });
});

describe('readiness polling', () => {
  it('ready after a delay: reports starting -> loading -> ready, in bounded time', async () => {
    const server = await startKserveServer({ readyAfterMs: 1_000, models: { m: { outputs: [] } } }); // long enough that the first poll, even on a loaded machine, sees it starting
    try {
      const phases: string[] = [];
      const outcome = await waitUntilReady({ baseUrl: new URL(server.url), models: ['m'], timeoutMs: 5_000, intervalMs: 20, onProgress: (s) => phases.push(s.phase) });
      expect(outcome.ok).toBe(true);
      // onProgress also fires when the set of ready models changes within a phase (the model can turn
      // ready between the server probe and its own), so the phases are compared as a sequence.
      expect(phases.filter((phase, i) => phase !== phases[i - 1])).toEqual(['starting', 'loading', 'ready']);
    } finally {
      await server.close();
    }
  });

  it('nothing listening: times out in the starting phase; a stopped container ends the wait at once', async () => {
    const [port] = (await freePorts(1)) as [number];
    const started = Date.now();
    const outcome = await waitUntilReady({ baseUrl: new URL(`http://127.0.0.1:${port}`), models: ['m'], timeoutMs: 300, intervalMs: 20 });
    expect(outcome).toMatchObject({ ok: false, reason: 'timeout', state: { phase: 'starting', notReady: ['m'] } });
    expect(Date.now() - started).toBeLessThan(2_000);
    const stopped = await waitUntilReady({ baseUrl: new URL(`http://127.0.0.1:${port}`), models: ['m'], timeoutMs: 5_000, intervalMs: 20, stopped: () => true });
    expect(stopped).toMatchObject({ ok: false, reason: 'stopped' });
  });

  it('a probe running into the deadline is not taken for a server that stopped answering', async () => {
    // Each answer takes 60 ms and the deadline falls inside a probe: cut short, it would report "starting".
    const server = await startKserveServer({ answerDelayMs: 60, models: { slow: { behaviour: 'never-ready', outputs: [] } } });
    try {
      for (const timeoutMs of [150, 230, 310]) {
        const outcome = await waitUntilReady({ baseUrl: new URL(server.url), models: ['slow'], timeoutMs, intervalMs: 1 });
        expect(outcome, `timeout ${timeoutMs} ms`).toMatchObject({ ok: false, reason: 'timeout', state: { phase: 'loading', notReady: ['slow'] } });
      }
    } finally {
      await server.close();
    }
  });

  it('a model that never becomes ready: times out in the loading phase naming it', async () => {
    const server = await startKserveServer({ models: { good: { outputs: [] }, bad: { behaviour: 'never-ready', outputs: [] } } });
    try {
      // Many polls, so the last one lands right at the deadline: it must not be cut short into "no answer".
      const outcome = await waitUntilReady({ baseUrl: new URL(server.url), models: ['bad', 'good'], timeoutMs: 2_000, intervalMs: 5 });
      expect(outcome).toMatchObject({ ok: false, reason: 'timeout', state: { phase: 'loading', ready: ['good'], notReady: ['bad'] } });
    } finally {
      await server.close();
    }
  });
});

