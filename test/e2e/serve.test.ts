/**
 * `serve` on generated projects of every template and on a multi-model repository: requests built
 * from the tensors each project was created with (independently of the server), answers checked
 * for output names, datatypes and shapes; bad requests get Triton's status codes and messages; a
 * decoupled model streams over generate_stream; error codes from model.py become Triton's HTTP
 * statuses; BLS between served models; Logger lines with their levels; one log line per request.
 */

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataTypeInfo } from '../../src/model-spec/dtypes.js';
import type { TensorSpec } from '../../src/model-spec/fields.js';
import { elementCount, sampleJsonInput } from '../../src/model-spec/samples.js';
import { makeTempDir, runCli } from '../helpers/cli.js';
import { writeAuto, writeCaller, writeCoded, writeEcho } from '../helpers/serve-models.js';
import { bytesWire, call, inferBody, killAllServers, sseEvents, startServe, type Served } from '../helpers/serve.js';

const tensor = (flag: string): TensorSpec => {
  const [name, dataType, dims] = flag.split(':') as [string, TensorSpec['dataType'], string];
  return { name, dataType, dims: dims.split(',').map(Number) };
};

interface Project {
  dir: string;
  model: string;
  maxBatchSize: number;
  inputs: TensorSpec[];
  outputs: TensorSpec[];
}

async function create(root: string, id: string, template: string, model: string, maxBatchSize: number, inputs: string[], outputs: string[]): Promise<Project> {
  const args = [id, '--template', template, '--name', model, '--max-batch-size', String(maxBatchSize), ...inputs.flatMap((i) => ['--input', i]), ...outputs.flatMap((o) => ['--output', o]), '--yes'];
  const result = await runCli(args, { cwd: root });
  expect(result.exitCode, result.stderr).toBe(0);
  return { dir: path.join(root, id), model, maxBatchSize, inputs: inputs.map(tensor), outputs: outputs.map(tensor) };
}

/** The shape a declared output must have in an answer to a request of `batch` (any size where dims say -1). */
function expectShape(shape: number[], declared: TensorSpec, maxBatchSize: number, batch: number): void {
  const expected = maxBatchSize > 0 ? [batch, ...declared.dims] : declared.dims;
  expect(shape.length, `${declared.name} rank`).toBe(expected.length);
  expected.forEach((dim, i) => {
    if (dim !== -1) expect(shape[i], `${declared.name} dim ${i}`).toBe(dim);
  });
}

function expectOutputs(answer: { json: any }, project: Project, batch: number): void {
  const outputs = answer.json.outputs as { name: string; datatype: string; shape: number[]; data?: unknown[] }[];
  expect(outputs.map((o) => o.name).sort()).toEqual(project.outputs.map((o) => o.name).sort());
  for (const declared of project.outputs) {
    const output = outputs.find((o) => o.name === declared.name)!;
    expect(output.datatype).toBe(dataTypeInfo(declared.dataType).wire);
    expectShape(output.shape, declared, project.maxBatchSize, batch);
    if (output.data) expect(output.data).toHaveLength(elementCount(output.shape));
  }
}

let root: string;
let stub: Project;
let batched: Project;
let streamer: Project;
let multi: string;
const servers: Record<string, Served> = {};

beforeAll(async () => {
  root = makeTempDir('ctm-serve-');
  [stub, batched, streamer] = await Promise.all([
    create(root, 'stub', 'image-stub', 'dumb_stub', 0, ['prompt:STRING:1'], ['image:UINT8:-1,-1,3']),
    create(root, 'batched', 'blank', 'mixed', 4, ['text:STRING:1', 'x:FP16:4', 'flag:BOOL:2'], ['y:FP32:4', 'label:STRING:1', 'count:INT64:-1']),
    create(root, 'stream', 'decoupled', 'streamer', 0, ['text_input:STRING:1'], ['text_output:STRING:1']),
  ]);

  // A repository of several models: a generated blank one, a generated decoupled batched one moved
  // in from another project, and hand-written ones.
  const first = await create(root, 'multi', 'blank', 'first', 0, ['INPUT0:FP32:4'], ['OUTPUT0:FP32:4']);
  await create(root, 'second-src', 'decoupled', 'second', 2, ['n:INT32:1'], ['out:INT32:1']);
  multi = first.dir;
  const repository = path.join(multi, 'models');
  fs.renameSync(path.join(root, 'second-src', 'models', 'second'), path.join(repository, 'second'));
  writeEcho(repository);
  writeCoded(repository);
  writeCaller(repository);
  writeAuto(repository);

  const started = await Promise.all([stub, batched, streamer].map((project) => startServe([project.dir], { cwd: root })));
  [servers.stub, servers.batched, servers.streamer] = started as [Served, Served, Served];
  servers.multi = await startServe(['multi'], { cwd: root });
});

afterAll(() => {
  killAllServers();
  fs.rmSync(root, { recursive: true, force: true });
});

const infer = (served: Served, model: string, header: unknown, blobs: Buffer[] = [], version?: string) => {
  const { body, headers } = inferBody(header, blobs);
  return call(`${served.url}/v2/models/${model}${version ? `/versions/${version}` : ''}/infer`, { body, headers });
};

describe('serve: a project of each template', () => {
  it('image-stub: metadata as the config declares it, and a JSON prompt gets an RGB image (JSON and binary outputs)', async () => {
    const served = servers.stub!;
    expect((await call(`${served.url}/v2/health/live`)).status).toBe(200);
    expect((await call(`${served.url}/v2/health/ready`)).status).toBe(200);
    const metadata = await call(`${served.url}/v2/models/dumb_stub`);
    expect(metadata.json).toEqual({
      name: 'dumb_stub',
      versions: ['1'],
      platform: 'python',
      inputs: [{ name: 'prompt', datatype: 'BYTES', shape: [1] }],
      outputs: [{ name: 'image', datatype: 'UINT8', shape: [-1, -1, 3] }],
    });
    expect((await call(`${served.url}/v2/models/dumb_stub/ready`)).status).toBe(200);

    const request = { inputs: stub.inputs.map((t) => sampleJsonInput(t, 0)) };
    const json = await infer(served, 'dumb_stub', request);
    expect(json.status, json.body.toString()).toBe(200);
    expect(json.json.model_name).toBe('dumb_stub');
    expect(json.json.model_version).toBe('1');
    expectOutputs(json, stub, 1);
    const [height, width] = json.json.outputs[0].shape as [number, number, number];
    expect(height * width).toBeGreaterThan(0);
    expect((json.json.outputs[0].data as number[]).every((v) => Number.isInteger(v) && v >= 0 && v <= 255)).toBe(true);

    const binary = await infer(served, 'dumb_stub', { ...request, outputs: [{ name: 'image', parameters: { binary_data: true } }] });
    expect(binary.status).toBe(200);
    expect(binary.headers['content-type']).toBe('application/octet-stream');
    expect(binary.json.outputs[0]).toEqual({ name: 'image', datatype: 'UINT8', shape: [height, width, 3], parameters: { binary_data_size: height * width * 3 } });
    expect(binary.binary.get('image')).toEqual(Buffer.from(json.json.outputs[0].data as number[]));
  });

  it('blank, batched: BYTES, FP16 and BOOL inputs through the binary extension, outputs with the batch dimension', async () => {
    const served = servers.batched!;
    const batch = 2;
    const text = bytesWire(['a red square', 'hello']);
    const fp16 = Buffer.alloc(batch * 4 * 2);
    for (let i = 0; i < batch * 4; i++) fp16.writeUInt16LE(0x3c00, i * 2); // 1.0 as IEEE half
    const flags = Buffer.from([1, 0, 0, 1]);
    const answer = await infer(
      served,
      'mixed',
      {
        inputs: [
          { name: 'text', datatype: 'BYTES', shape: [batch, 1], parameters: { binary_data_size: text.length } },
          { name: 'x', datatype: 'FP16', shape: [batch, 4], parameters: { binary_data_size: fp16.length } },
          { name: 'flag', datatype: 'BOOL', shape: [batch, 2], parameters: { binary_data_size: flags.length } },
        ],
        outputs: [{ name: 'y' }, { name: 'label', parameters: { binary_data: true } }, { name: 'count' }],
      },
      [text, fp16, flags],
    );
    expect(answer.status, answer.body.toString()).toBe(200);
    expectOutputs(answer, batched, batch);
    const label = answer.json.outputs.find((o: { name: string }) => o.name === 'label');
    expect(label.parameters.binary_data_size).toBe(answer.binary.get('label')!.length);
    // Two BYTES elements in the wire form (the placeholder answers empty strings).
    expect(answer.binary.get('label')).toEqual(bytesWire(['', '']));

    // binary_data_output: every output binary.
    const all = await infer(
      served,
      'mixed',
      {
        parameters: { binary_data_output: true },
        inputs: [
          { name: 'text', datatype: 'BYTES', shape: [1, 1], data: ['hi'] },
          { name: 'x', datatype: 'FP16', shape: [1, 4], parameters: { binary_data_size: 8 } },
          { name: 'flag', datatype: 'BOOL', shape: [1, 2], data: [true, false] },
        ],
      },
      [fp16.subarray(0, 8)],
    );
    expect(all.status, all.body.toString()).toBe(200);
    expect([...all.binary.keys()].sort()).toEqual(['count', 'label', 'y']);
    expect(all.binary.get('y')).toHaveLength(4 * 4);
  });

  it('decoupled: generate_stream streams every response as a server-sent event; /infer is refused as Triton refuses it', async () => {
    const served = servers.streamer!;
    const body = JSON.stringify({ text_input: 'hello' });
    const stream = await call(`${served.url}/v2/models/streamer/generate_stream`, { body, headers: { 'content-type': 'application/json' } });
    expect(stream.status).toBe(200);
    expect(stream.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(sseEvents(stream.body)).toEqual([1, 2, 3].map((step) => ({ model_name: 'streamer', model_version: '1', text_output: `response ${step} of 3` })));

    const single = await call(`${served.url}/v2/models/streamer/generate`, { body });
    expect(single.json).toEqual({ error: 'generate expects model to produce exactly 1 response, use generate stream for model that generates various number of responses' });

    const refused = await infer(served, 'streamer', { inputs: streamer.inputs.map((t) => sampleJsonInput(t, 0)) });
    expect(refused.status).toBe(501);
    expect(refused.json).toEqual({ error: "HTTP end point doesn't support models with decoupled transaction policy" });
  });
});

describe('serve: a repository of several models', () => {
  it('serves every model: server metadata, readiness, repository index, per-model config', async () => {
    const served = servers.multi!;
    expect((await call(`${served.url}/v2`)).json).toMatchObject({ name: 'triton', extensions: expect.arrayContaining(['binary_tensor_data', 'model_repository']) });
    expect((await call(`${served.url}/v2/health/ready`)).status).toBe(200);
    const index = await call(`${served.url}/v2/repository/index`, { method: 'POST', body: '' });
    expect(index.json).toEqual(['auto', 'caller', 'coded', 'echo', 'first', 'second'].map((name) => ({ name, version: '1', state: 'READY' })));
    const config = await call(`${served.url}/v2/models/second/config`);
    expect(config.json).toMatchObject({ name: 'second', backend: 'python', max_batch_size: 2, model_transaction_policy: { decoupled: true }, input: [{ name: 'n', data_type: 'TYPE_INT32', dims: [1] }] });
    // Only a known model's versions are served: the metadata of the batched one starts with -1.
    expect((await call(`${served.url}/v2/models/second`)).json.inputs).toEqual([{ name: 'n', datatype: 'INT32', shape: [-1, 1] }]);
  });

  it('answers each model from its own process, with the request id, and a decoupled batched model over generate_stream', async () => {
    const served = servers.multi!;
    const first = { inputs: [{ name: 'INPUT0', datatype: 'FP32', shape: [4], data: [1, 2, 3, 4] }], id: 'req-1' };
    const answer = await infer(served, 'first', first);
    expect(answer.status, answer.body.toString()).toBe(200);
    expect(answer.json).toEqual({ id: 'req-1', model_name: 'first', model_version: '1', outputs: [{ name: 'OUTPUT0', datatype: 'FP32', shape: [4], data: [0, 0, 0, 0] }] });
    const versioned = await infer(served, 'echo', { inputs: [{ name: 'x', datatype: 'INT32', shape: [3], data: [1, 2, 3] }] }, [], '1');
    expect(versioned.json.outputs).toEqual([{ name: 'y', datatype: 'INT32', shape: [3], data: [2, 3, 4] }]);

    // generate on a model that answers once: outputs by name, a single element as a plain value.
    const generated = await call(`${served.url}/v2/models/echo/generate`, { body: JSON.stringify({ x: [1, 2] }) });
    expect([generated.status, generated.json]).toEqual([200, { model_name: 'echo', model_version: '1', y: [2, 3] }]);
    expect((await call(`${served.url}/v2/models/echo/generate`, { body: JSON.stringify({ x: 41, id: 'g' }) })).json).toEqual({ id: 'g', model_name: 'echo', model_version: '1', y: 42 });

    const stream = await call(`${served.url}/v2/models/second/generate_stream`, { body: JSON.stringify({ n: 5 }) });
    const events = sseEvents(stream.body) as Record<string, unknown>[];
    expect(events).toHaveLength(3);
    for (const event of events) expect(Object.keys(event).sort()).toEqual(['model_name', 'model_version', 'out']);
  });

  it('serves the config auto_complete_config completed: metadata, /config and the outputs sent', async () => {
    const served = servers.multi!;
    expect((await call(`${served.url}/v2/models/auto`)).json.outputs).toEqual([{ name: 'doubled', datatype: 'INT32', shape: [-1] }]);
    expect((await call(`${served.url}/v2/models/auto/config`)).json.output).toEqual([expect.objectContaining({ name: 'doubled', data_type: 'TYPE_INT32', dims: [-1] })]);
    const answer = await infer(served, 'auto', { inputs: [{ name: 'x', datatype: 'INT32', shape: [2], data: [3, 4] }] });
    expect(answer.json.outputs).toEqual([{ name: 'doubled', datatype: 'INT32', shape: [2], data: [6, 8] }]);
  });

  it("turns a model's TritonError codes into Triton's HTTP statuses, and passes request parameters to the model", async () => {
    const served = servers.multi!;
    const request = (parameters: Record<string, unknown>) => infer(served, 'coded', { parameters, inputs: [{ name: 'x', datatype: 'INT32', shape: [1], data: [7] }] });
    const statuses: Record<string, number> = { INVALID_ARG: 400, NOT_FOUND: 404, UNAVAILABLE: 503, UNSUPPORTED: 501, INTERNAL: 500, UNKNOWN: 400, ALREADY_EXISTS: 400, CANCELLED: 400 };
    for (const [code, status] of Object.entries(statuses)) {
      const answer = await request({ fail: code });
      expect([code, answer.status, answer.json]).toEqual([code, status, { error: `failed with ${code}` }]);
    }
    const defaulted = await request({ fail: 'DEFAULT' });
    expect([defaulted.status, defaulted.json]).toEqual([500, { error: 'failed with the default code' }]);

    const raised = await request({ raise: true });
    expect(raised.status).toBe(500);
    expect(raised.json.error).toMatch(/^Failed to process the request\(s\) for model 'coded_0_0', message: RuntimeError: exploded/);

    const fine = await request({ greeting: 'hi', n: 3, flag: true });
    expect(fine.status).toBe(200);
    expect(fine.json.parameters).toEqual({ seen: '{"flag": true, "greeting": "hi", "n": 3}' }); // json.dumps in model.py
    const reserved = await request({ triton_x: 1 });
    expect([reserved.status, reserved.json.error]).toEqual([400, "parameter keys starting with 'triton_' are reserved for Triton usage and should not be specified."]);
  });

  it('runs BLS requests from one model to another, and pb_utils.is_model_ready', async () => {
    const served = servers.multi!;
    const answer = await infer(served, 'caller', { inputs: [{ name: 'x', datatype: 'INT32', shape: [2], data: [1, 5] }] });
    expect(answer.status, answer.body.toString()).toBe(200);
    expect(answer.json.outputs).toEqual([
      { name: 'y', datatype: 'INT32', shape: [2], data: [20, 60] },
      { name: 'ready', datatype: 'BOOL', shape: [1], data: [true] },
    ]);
    const missing = await infer(served, 'caller', { parameters: { target: 'nope' }, inputs: [{ name: 'x', datatype: 'INT32', shape: [1], data: [1] }] });
    // The Python backend asks whether the model is ready first, and says so as an INTERNAL error (RequestExecutor::Infer).
    expect([missing.status, missing.json]).toEqual([500, { error: "Model nope - Error when running inference: Failed for execute the inference request. Model 'nope' is not ready." }]);
  });

  it('prints Logger lines with their level, the model name and its file:line, the model prints, and one line per request', async () => {
    const served = servers.multi!;
    const out = served.stdout();
    const err = served.stderr();
    expect(out).toMatch(/^I\d{4} \d\d:\d\d:\d\d\.\d{6} \d+ model\.py:\d+\] \[echo\] info line: kind CPU, repository .*models[/\\]echo, version 1$/m);
    expect(err).toMatch(/^W\d{4} [\d:.]+ \d+ model\.py:\d+\] \[echo\] warn line$/m);
    expect(err).toMatch(/^E\d{4} [\d:.]+ \d+ model\.py:\d+\] \[echo\] error line$/m);
    expect(out + err).not.toContain('verbose line'); // only with --log-verbose
    expect(out).toMatch(/^printed by the model$/m);
    expect(out).toMatch(/^I\d{4} [\d:.]+ \d+ serve\] first version 1: POST \/v2\/models\/first\/infer 200 in \d+\.\d ms$/m);
  });
});

describe('serve: bad requests get Triton’s status codes and messages', () => {
  const cases: [string, string, unknown, number, string][] = [
    ['unknown input', 'first', { inputs: [{ name: 'nope', datatype: 'FP32', shape: [4], data: [1, 2, 3, 4] }] }, 400, "unexpected inference input 'nope' for model 'first'"],
    ['wrong datatype', 'first', { inputs: [{ name: 'INPUT0', datatype: 'INT32', shape: [4], data: [1, 2, 3, 4] }] }, 400, "[request id: <id_unknown>] inference input 'INPUT0' data-type is 'INT32', but model 'first' expects 'FP32'"],
    ['wrong shape', 'first', { inputs: [{ name: 'INPUT0', datatype: 'FP32', shape: [2], data: [1, 2] }] }, 400, "[request id: <id_unknown>] unexpected shape for input 'INPUT0' for model 'first'. Expected [4], got [2]. "],
    ['wrong shape, with its request id', 'first', { id: 'r-7', inputs: [{ name: 'INPUT0', datatype: 'FP32', shape: [1, 4], data: [1, 2, 3, 4] }] }, 400, "[request id: r-7] unexpected shape for input 'INPUT0' for model 'first'. Expected [4], got [1,4]. "],
    [
      'missing input',
      'first',
      { inputs: [] },
      400,
      "[request id: <id_unknown>] expected 1 inputs but got 0 inputs for model 'first'. Got input(s) [], but missing required input(s) ['INPUT0']. Please provide all required input(s).",
    ],
    ['the same input twice', 'first', { inputs: [1, 2].map(() => ({ name: 'INPUT0', datatype: 'FP32', shape: [4], data: [1, 2, 3, 4] })) }, 400, "[request id: <id_unknown>] input 'INPUT0' already exists in request"],
    ['an unknown output', 'first', { inputs: [{ name: 'INPUT0', datatype: 'FP32', shape: [4], data: [1, 2, 3, 4] }], outputs: [{ name: 'nope' }] }, 400, "unexpected inference output 'nope' for model 'first'"],
    ['JSON data that does not fill the shape', 'first', { inputs: [{ name: 'INPUT0', datatype: 'FP32', shape: [4], data: [1, 2, 3] }] }, 500, "Unable to parse 'data': Shape does not match true shape of 'data' field"],
    ['an unknown model', 'nope', { inputs: [] }, 404, "Request for unknown model: 'nope' is not found"],
    ['FP16 as JSON', 'coded', { inputs: [{ name: 'x', datatype: 'FP16', shape: [1], data: [1] }] }, 400, 'receiving FP16 data via JSON is not supported. Please use the binary data format for input x'],
  ];
  it.each(cases)('%s', async (_label, model, request, status, message) => {
    const answer = await infer(servers.multi!, model, request);
    expect([answer.status, answer.json]).toEqual([status, { error: message }]);
  });

  it('a batch larger than max_batch_size, a shape without the batch dimension, batch sizes that differ, data of the wrong size', async () => {
    const served = servers.batched!;
    const text = bytesWire(['a', 'b', 'c', 'd', 'e']);
    const tooBig = await infer(
      served,
      'mixed',
      {
        inputs: [
          { name: 'text', datatype: 'BYTES', shape: [5, 1], parameters: { binary_data_size: text.length } },
          { name: 'x', datatype: 'FP16', shape: [5, 4], parameters: { binary_data_size: 40 } },
          { name: 'flag', datatype: 'BOOL', shape: [5, 2], data: Array(10).fill(true) },
        ],
      },
      [text, Buffer.alloc(40)],
    );
    expect([tooBig.status, tooBig.json]).toEqual([400, { error: "[request id: <id_unknown>] inference request batch-size must be <= 4 for 'mixed'" }]);

    const noBatch = await infer(
      served,
      'mixed',
      {
        // Every input's first dimension is 4, so Triton reads it as the batch; x then lacks its dims.
        inputs: [
          { name: 'text', datatype: 'BYTES', shape: [4, 1], data: ['a', 'b', 'c', 'd'] },
          { name: 'x', datatype: 'FP16', shape: [4], parameters: { binary_data_size: 8 } },
          { name: 'flag', datatype: 'BOOL', shape: [4, 2], data: Array(8).fill(false) },
        ],
      },
      [Buffer.alloc(8)],
    );
    expect([noBatch.status, noBatch.json]).toEqual([400, { error: "[request id: <id_unknown>] unexpected shape for input 'x' for model 'mixed'. Expected [-1,4], got [4]. NOTE: Setting a non-zero max_batch_size in the model config requires a batch dimension to be prepended to each input shape. If you want to specify the full shape including the batch dim in your input dims config, try setting max_batch_size to zero. See the model configuration docs for more info on max_batch_size." }]);

    const wrongSize = await infer(
      served,
      'mixed',
      {
        inputs: [
          { name: 'text', datatype: 'BYTES', shape: [1, 1], data: ['a'] },
          { name: 'x', datatype: 'FP16', shape: [1, 4], parameters: { binary_data_size: 6 } },
          { name: 'flag', datatype: 'BOOL', shape: [1, 2], data: [true, false] },
        ],
      },
      [Buffer.alloc(6)],
    );
    expect([wrongSize.status, wrongSize.json]).toEqual([400, { error: "[request id: <id_unknown>] input byte size mismatch for input 'x' for model 'mixed'. Expected 8, got 6" }]);

    const mismatch = await infer(
      served,
      'mixed',
      {
        inputs: [
          { name: 'text', datatype: 'BYTES', shape: [1, 1], data: ['a'] },
          { name: 'x', datatype: 'FP16', shape: [2, 4], parameters: { binary_data_size: 16 } },
          { name: 'flag', datatype: 'BOOL', shape: [1, 2], data: [true, false] },
        ],
      },
      [Buffer.alloc(16)],
    );
    expect([mismatch.status, mismatch.json]).toEqual([400, { error: "[request id: <id_unknown>] input 'x' batch size does not match other inputs for 'mixed'" }]);

    const strings = await infer(served, 'mixed', {
      inputs: [
        { name: 'text', datatype: 'BYTES', shape: [2, 1], data: ['only one'] },
        { name: 'x', datatype: 'FP16', shape: [2, 4], parameters: { binary_data_size: 16 } },
        { name: 'flag', datatype: 'BOOL', shape: [2, 2], data: [true, false, true, false] },
      ],
    }, [Buffer.alloc(16)]);
    expect([strings.status, strings.json]).toEqual([400, { error: "[request id: <id_unknown>] expected 2 string elements for inference input 'text' for model 'mixed', got 1" }]);
  });

  it('unknown versions, paths and methods', async () => {
    const served = servers.multi!;
    const request = { inputs: [{ name: 'INPUT0', datatype: 'FP32', shape: [4], data: [1, 2, 3, 4] }] };
    const version = await infer(served, 'first', request, [], '3');
    expect([version.status, version.json]).toEqual([404, { error: "Request for unknown model: 'first' version 3 is not found" }]);
    const path404 = await call(`${served.url}/v2/nothing/here`);
    expect([path404.status, path404.json]).toEqual([404, { error: 'Not Found' }]);
    const method = await call(`${served.url}/v2/models/first/infer`);
    expect([method.status, method.json]).toEqual([405, { error: 'Method Not Allowed' }]);
    const ready = await call(`${served.url}/v2/models/nope/ready`);
    expect([ready.status, ready.json]).toEqual([400, { error: 'Model version not ready' }]);
  });
});
