/**
 * The request corpus sent to `serve` and to real Triton on the same model repository: valid JSON and
 * binary-extension requests over every data type, shape and batch size; requested outputs and
 * binary_data parameters; request ids; every error class; the health, metadata, config, ready and
 * repository endpoints. Nothing here says what the answer should be: the two servers are compared.
 */

import { dataTypeInfo, DATA_TYPES } from '../../src/model-spec/dtypes.js';

export interface CorpusRequest {
  id: string;
  /** What the request exercises, for the agreement table. */
  kind: string;
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: Buffer;
}

/** Every data type but BF16 (only when torch is there), as the `types` models declare them: in_<t> -> out_<t>, dims [-1]. */
export function typesUnderTest(torch: boolean) {
  return DATA_TYPES.filter((t) => torch || t.name !== 'BF16').map((t) => ({ name: t.name, wire: dataTypeInfo(t.name).wire, input: `in_${t.name.toLowerCase()}`, output: `out_${t.name.toLowerCase()}` }));
}

/** Example values of `count` elements for a wire type, as JSON carries them. */
function jsonValues(wire: string, count: number): unknown[] {
  return Array.from({ length: count }, (_, i) => {
    if (wire === 'BYTES') return `s${i}`;
    if (wire === 'BOOL') return i % 2 === 0;
    if (wire.startsWith('FP')) return i + 0.5;
    if (wire.startsWith('INT')) return i - 1;
    return i;
  });
}

/** The same values in the binary tensor extension's layout. */
function binaryValues(wire: string, count: number): Buffer {
  const values = jsonValues(wire, count);
  const parts: Buffer[] = [];
  for (const value of values) {
    let buffer: Buffer;
    switch (wire) {
      case 'BYTES': {
        const text = Buffer.from(String(value));
        buffer = Buffer.alloc(4 + text.length);
        buffer.writeUInt32LE(text.length, 0);
        text.copy(buffer, 4);
        break;
      }
      case 'BOOL':
        buffer = Buffer.from([value ? 1 : 0]);
        break;
      case 'UINT8':
        buffer = Buffer.from([value as number]);
        break;
      case 'INT8':
        buffer = Buffer.alloc(1);
        buffer.writeInt8(value as number);
        break;
      case 'UINT16':
        buffer = Buffer.alloc(2);
        buffer.writeUInt16LE(value as number);
        break;
      case 'INT16':
        buffer = Buffer.alloc(2);
        buffer.writeInt16LE(value as number);
        break;
      case 'UINT32':
        buffer = Buffer.alloc(4);
        buffer.writeUInt32LE(value as number);
        break;
      case 'INT32':
        buffer = Buffer.alloc(4);
        buffer.writeInt32LE(value as number);
        break;
      case 'UINT64':
        buffer = Buffer.alloc(8);
        buffer.writeBigUInt64LE(BigInt(value as number));
        break;
      case 'INT64':
        buffer = Buffer.alloc(8);
        buffer.writeBigInt64LE(BigInt(value as number));
        break;
      case 'FP16': {
        // x.5 for small x is exact in half precision: sign 0, exponent and mantissa computed directly.
        const f = new Float32Array([value as number]);
        const bits = new Uint32Array(f.buffer)[0]!;
        const exponent = ((bits >> 23) & 0xff) - 127 + 15;
        const half = ((bits >> 16) & 0x8000) | (exponent << 10) | ((bits >> 13) & 0x3ff);
        buffer = Buffer.alloc(2);
        buffer.writeUInt16LE(value === 0 ? 0 : half);
        break;
      }
      case 'BF16': {
        const f = new Float32Array([value as number]);
        buffer = Buffer.alloc(2);
        buffer.writeUInt16LE(new Uint32Array(f.buffer)[0]! >>> 16);
        break;
      }
      case 'FP32':
        buffer = Buffer.alloc(4);
        buffer.writeFloatLE(value as number);
        break;
      case 'FP64':
        buffer = Buffer.alloc(8);
        buffer.writeDoubleLE(value as number);
        break;
      default:
        throw new Error(`no binary form for ${wire}`);
    }
    parts.push(buffer);
  }
  return Buffer.concat(parts);
}

const json = (value: unknown) => Buffer.from(JSON.stringify(value));

/** A binary-extension body: the JSON header, then each binary tensor, with the header's length in a header. */
function binaryBody(header: unknown, blobs: Buffer[]): { body: Buffer; headers: Record<string, string> } {
  const text = Buffer.from(JSON.stringify(header));
  return { body: Buffer.concat([text, ...blobs]), headers: { 'inference-header-content-length': String(text.length) } };
}

export function buildCorpus(options: { torch: boolean; models: string[] }): CorpusRequest[] {
  const types = typesUnderTest(options.torch);
  const requests: CorpusRequest[] = [];
  const add = (request: CorpusRequest) => requests.push(request);
  const post = (id: string, kind: string, path: string, body: unknown, headers?: Record<string, string>) =>
    add({ id, kind, method: 'POST', path, body: Buffer.isBuffer(body) ? body : json(body), headers: { 'content-type': 'application/json', ...headers } });

  // Server and model endpoints.
  for (const path of ['/v2', '/v2/health/live', '/v2/health/ready']) add({ id: `GET ${path}`, kind: 'server', method: 'GET', path });
  for (const model of [...options.models, 'nosuch']) {
    for (const suffix of ['', '/ready', '/config', '/versions/1', '/versions/1/ready', '/versions/2/ready', '/versions/0/ready', '/versions/x/ready', '/versions/99999999999999999999999/ready']) {
      add({ id: `GET /v2/models/${model}${suffix}`, kind: 'model endpoints', method: 'GET', path: `/v2/models/${model}${suffix}` });
    }
  }
  post('repository index', 'repository', '/v2/repository/index', {});
  post('repository index, ready only', 'repository', '/v2/repository/index', { ready: true });
  post('repository index, empty body', 'repository', '/v2/repository/index', Buffer.alloc(0));

  // Every data type, JSON and binary, in and out, with and without a batch dimension.
  const allJson = (count: number, batch?: number) =>
    types.filter((t) => t.wire !== 'FP16' && t.wire !== 'BF16').map((t) => ({ name: t.input, datatype: t.wire, shape: batch ? [batch, count] : [count], data: jsonValues(t.wire, count * (batch ?? 1)) }));
  const allBinary = (count: number, batch?: number) => {
    const blobs = types.map((t) => binaryValues(t.wire, count * (batch ?? 1)));
    const inputs = types.map((t, i) => ({ name: t.input, datatype: t.wire, shape: batch ? [batch, count] : [count], parameters: { binary_data_size: blobs[i]!.length } }));
    return { inputs, blobs };
  };
  for (const count of [1, 3]) {
    // JSON cannot carry FP16/BF16: those inputs go binary in the mixed requests below; the JSON-only model call leaves them out, which Triton refuses (missing inputs) like serve must.
    post(`types: JSON only, ${count} element(s)`, 'infer JSON', '/v2/models/types/infer', { inputs: allJson(count) });
    const { inputs, blobs } = allBinary(count);
    const binary = binaryBody({ inputs }, blobs);
    post(`types: every input binary, ${count} element(s), JSON outputs`, 'infer binary', '/v2/models/types/infer', binary.body, binary.headers);
    const binaryOut = binaryBody({ inputs, outputs: types.map((t) => ({ name: t.output, parameters: { binary_data: true } })) }, blobs);
    post(`types: every input and output binary, ${count} element(s)`, 'infer binary', '/v2/models/types/infer', binaryOut.body, binaryOut.headers);
    const defaultBinary = binaryBody({ inputs, parameters: { binary_data_output: true } }, blobs);
    post(`types: binary_data_output for every output, ${count} element(s)`, 'infer binary', '/v2/models/types/infer', defaultBinary.body, defaultBinary.headers);
  }
  for (const batch of [1, 2, 8, 9]) {
    const { inputs, blobs } = allBinary(2, batch);
    const binary = binaryBody({ inputs, outputs: types.map((t) => ({ name: t.output, parameters: { binary_data: t.wire === 'FP16' || t.wire === 'BF16' } })) }, blobs);
    post(`types_b: batch ${batch}`, 'infer batched', '/v2/models/types_b/infer', binary.body, binary.headers);
  }
  {
    const { inputs, blobs } = allBinary(2);
    const subset = binaryBody({ id: 'my-request-7', inputs, outputs: [{ name: 'out_int32' }, { name: 'out_bytes', parameters: { binary_data: true } }] }, blobs);
    post('types: requested outputs subset with an id', 'requested outputs', '/v2/models/types/infer', subset.body, subset.headers);
    const unknownOutput = binaryBody({ inputs, outputs: [{ name: 'nosuch' }] }, blobs);
    post('types: an unknown requested output', 'requested outputs', '/v2/models/types/infer', unknownOutput.body, unknownOutput.headers);
    const twiceOutput = binaryBody({ inputs, outputs: [{ name: 'out_int32' }, { name: 'out_int32' }] }, blobs);
    post('types: the same output requested twice', 'requested outputs', '/v2/models/types/infer', twiceOutput.body, twiceOutput.headers);
    const classification = binaryBody({ inputs, outputs: [{ name: 'out_fp32', parameters: { classification: 2 } }] }, blobs);
    post('types: classification on an output', 'requested outputs', '/v2/models/types/infer', classification.body, classification.headers);
  }

  // One data type at a time on the small models, with JSON values at the edges of their ranges.
  const fpValues: [string, unknown[]][] = [
    ['halves', [0.5, -1.25, 3]],
    ['float32 max', [3.4028234663852886e38]],
    ['past float32 max', [3.5e38]],
    ['tiny', [1e-45]],
    ['exponent form', [1e10, -2e-3]],
  ];
  for (const [what, values] of fpValues) post(`fp: ${what}`, 'JSON values', '/v2/models/fp/infer', { inputs: [{ name: 'x', datatype: 'FP32', shape: [values.length], data: values }] });
  const intValues: [string, unknown[]][] = [
    ['int32 range ends', [2147483647, -2147483648]],
    ['past int32', [2147483648]],
    ['a float for an int', [1.5]],
    ['a string for an int', ['1']],
    ['a bool for an int', [true]],
    ['null', [null]],
    ['nested row', [[1, 2], [3, 4]]],
    ['nested irregular', [[1], [2, 3], 4]],
  ];
  for (const [what, values] of intValues) {
    const count = (values as unknown[]).flat(2).length;
    post(`echo: ${what}`, 'JSON values', '/v2/models/echo/infer', { inputs: [{ name: 'x', datatype: 'INT32', shape: [count], data: values }] });
  }

  // Request errors Triton catches before the model runs.
  const x = (extra: Record<string, unknown> = {}) => ({ name: 'x', datatype: 'INT32', shape: [2], data: [1, 2], ...extra });
  const errors: [string, unknown][] = [
    ['wrong datatype', { inputs: [x({ datatype: 'FP32' })] }],
    ['unknown datatype', { inputs: [x({ datatype: 'INT33' })] }],
    ['wrong rank', { inputs: [x({ shape: [1, 2] })] }],
    ['shape and data disagree', { inputs: [x({ shape: [3] })] }],
    ['negative shape', { inputs: [x({ shape: [-2], data: [] })] }],
    ['empty shape', { inputs: [x({ shape: [], data: [1] })] }],
    ['missing input', { inputs: [] }],
    ['no inputs field', {}],
    ['unknown input', { inputs: [x(), { name: 'nosuch', datatype: 'INT32', shape: [1], data: [1] }] }],
    ['the same input twice', { inputs: [x(), x()] }],
    ['input without a name', { inputs: [{ datatype: 'INT32', shape: [2], data: [1, 2] }] }],
    ['input without a datatype', { inputs: [{ name: 'x', shape: [2], data: [1, 2] }] }],
    ['input without a shape', { inputs: [{ name: 'x', datatype: 'INT32', data: [1, 2] }] }],
    ['input without data', { inputs: [{ name: 'x', datatype: 'INT32', shape: [2] }] }],
    ['inputs not a list', { inputs: { name: 'x' } }],
    ['shape not a list', { inputs: [x({ shape: 2 })] }],
    ['a request id number', { id: 7, inputs: [x()] }],
    ['parameters not an object', { inputs: [x()], parameters: [1] }],
    ['outputs not a list', { inputs: [x()], outputs: { name: 'y' } }],
    ['an output without a name', { inputs: [x()], outputs: [{}] }],
    ['a top-level array', [x()]],
  ];
  for (const [what, body] of errors) post(`echo: ${what}`, 'request errors', '/v2/models/echo/infer', body);
  for (const [what, text] of [
    ['truncated JSON', '{"inputs": [ {"name": "x"'],
    ['not JSON', 'hello'],
    ['empty body', ''],
    ['trailing garbage', `${JSON.stringify({ inputs: [x()] })}}`],
    ['a JSON string', '"x"'],
  ] as const) {
    post(`echo: ${what}`, 'malformed JSON', '/v2/models/echo/infer', Buffer.from(text));
  }

  // Binary sizes that lie.
  const blob = binaryValues('INT32', 2);
  const lie = (what: string, header: unknown, blobs: Buffer[], headerLength?: string) => {
    const { body, headers } = binaryBody(header, blobs);
    post(`echo binary: ${what}`, 'binary errors', '/v2/models/echo/infer', body, headerLength === undefined ? headers : { 'inference-header-content-length': headerLength });
  };
  const binaryX = (size: number) => ({ inputs: [{ name: 'x', datatype: 'INT32', shape: [2], parameters: { binary_data_size: size } }] });
  lie('the size it says', binaryX(8), [blob]);
  lie('a size larger than the body', binaryX(16), [blob]);
  lie('a size smaller than the data', binaryX(4), [blob]);
  lie('a size that does not fit the shape', binaryX(12), [Buffer.concat([blob, Buffer.alloc(4)])]);
  lie('extra bytes after the last tensor', binaryX(8), [Buffer.concat([blob, Buffer.alloc(4)])]);
  lie('a header length past the body', binaryX(8), [blob], '5000');
  lie('a header length of 0', binaryX(8), [blob], '0');
  lie('a negative header length', binaryX(8), [blob], '-1');
  lie('binary data and JSON data both', { inputs: [{ name: 'x', datatype: 'INT32', shape: [2], data: [1, 2], parameters: { binary_data_size: 8 } }] }, [blob]);
  lie('a non-integer size', { inputs: [{ name: 'x', datatype: 'INT32', shape: [2], parameters: { binary_data_size: 'eight' } }] }, [blob]);
  lie('BYTES with an element length past its tensor', { inputs: [{ name: 'in_bytes', datatype: 'BYTES', shape: [1], parameters: { binary_data_size: 6 } }] }, [Buffer.from([9, 0, 0, 0, 65, 66])]);

  // Models, versions and states.
  post('nosuch: infer', 'unknown model', '/v2/models/nosuch/infer', { inputs: [x()] });
  post('echo: version 1', 'versions', '/v2/models/echo/versions/1/infer', { inputs: [x()] });
  post('echo: version 2', 'versions', '/v2/models/echo/versions/2/infer', { inputs: [x()] });
  post('echo: version 0', 'versions', '/v2/models/echo/versions/0/infer', { inputs: [x()] });
  post('echo: version not a number', 'versions', '/v2/models/echo/versions/one/infer', { inputs: [x()] });
  post('echo: version past int64', 'versions', '/v2/models/echo/versions/99999999999999999999999/infer', { inputs: [x()] });
  post('versions: 1', 'versions', '/v2/models/versions/versions/1/infer', { inputs: [x()] });
  post('versions: 2', 'versions', '/v2/models/versions/versions/2/infer', { inputs: [x()] });
  post('versions: latest', 'versions', '/v2/models/versions/infer', { inputs: [x()] });
  post('broken: infer', 'model not ready', '/v2/models/broken/infer', { inputs: [x()] });
  post('dec3: infer on a decoupled model', 'decoupled', '/v2/models/dec3/infer', { inputs: [{ name: 'x', datatype: 'INT32', shape: [1], data: [3] }] });
  post('dec3: generate, three responses', 'decoupled', '/v2/models/dec3/generate', { x: 3 });
  post('dec3: generate, one response', 'decoupled', '/v2/models/dec3/generate', { x: 1 });
  post('dec3: generate_stream', 'decoupled', '/v2/models/dec3/generate_stream', { x: 3 });
  post('echo: generate', 'generate', '/v2/models/echo/generate', { x: 5 });
  post('fp: generate with a list', 'generate', '/v2/models/fp/generate', { x: [1.5, 2.5] });
  post('echo: generate without its input', 'generate', '/v2/models/echo/generate', {});

  // What the model answers: error codes, exceptions, parameters, BLS.
  for (const code of ['DEFAULT', 'UNKNOWN', 'INTERNAL', 'NOT_FOUND', 'INVALID_ARG', 'UNAVAILABLE', 'UNSUPPORTED', 'ALREADY_EXISTS', 'CANCELLED']) {
    post(`coded: ${code}`, 'model errors', '/v2/models/coded/infer', { inputs: [x()], parameters: { fail: code } });
  }
  post('coded: execute raises', 'model errors', '/v2/models/coded/infer', { inputs: [x()], parameters: { raise: true } });
  post('params: parameters of every type reach the model', 'parameters', '/v2/models/params/infer', { inputs: [x()], parameters: { s: 'text', n: 3, b: true } });
  post('params: a float parameter', 'parameters', '/v2/models/params/infer', { inputs: [x()], parameters: { f: 1.5 } });
  post('params: a nested parameter', 'parameters', '/v2/models/params/infer', { inputs: [x()], parameters: { o: { a: 1 } } });
  post('params: a negative and a large integer', 'parameters', '/v2/models/params/infer', { inputs: [x()], parameters: { n: -3, big: 9007199254740991 } });
  post('caller: BLS to echo', 'BLS', '/v2/models/caller/infer', { inputs: [x()] });
  post('caller: BLS to a missing model', 'BLS', '/v2/models/caller/infer', { inputs: [x()], parameters: { target: 'nosuch' } });
  post('caller: BLS to a model that is not ready', 'BLS', '/v2/models/caller/infer', { inputs: [x()], parameters: { target: 'broken' } });
  post('auto: the output auto_complete_config added', 'auto-complete', '/v2/models/auto/infer', { inputs: [x()] });

  // The classification extension (labels from the output's label_filename), on batched and unbatched models.
  const labeled = (data: number[], batch: number, parameters: Record<string, unknown>) => ({ inputs: [{ name: 'x', datatype: 'FP32', shape: [batch, 3], data }], outputs: [{ name: 'y', parameters }] });
  post('labeled: classification 2 of a batch of 2', 'classification', '/v2/models/labeled/infer', labeled([0.1, 0.7, 0.2, 3, 2, 1], 2, { classification: 2 }));
  post('labeled: classification past the element count', 'classification', '/v2/models/labeled/infer', labeled([0.5, -1.25, 0.5], 1, { classification: 5 }));
  post('labeled: classification as binary output', 'classification', '/v2/models/labeled/infer', labeled([1, 2, 3], 1, { classification: 1, binary_data: true }));
  post('labeled: classification 0', 'classification', '/v2/models/labeled/infer', labeled([1, 2, 3], 1, { classification: 0 }));
  post('echo: classification of INT32', 'classification', '/v2/models/echo/infer', { inputs: [x({ data: [7, -3] })], outputs: [{ name: 'y', parameters: { classification: 2 } }] });
  post('echo: classification not an integer', 'classification', '/v2/models/echo/infer', { inputs: [x()], outputs: [{ name: 'y', parameters: { classification: 'two' } }] });
  // Not here: classification of a BYTES output, which crashes 2.51.0 (TopkClassifications divides by the
  // type's byte size, 0); newer releases answer 400, and so does serve (test/unit/serve.request.test.ts).

  // Raw binary requests (Inference-Header-Content-Length 0): the body is the one input's data.
  const raw = (what: string, model: string, body: Buffer) => add({ id: `${model}: raw, ${what}`, kind: 'raw binary', method: 'POST', path: `/v2/models/${model}/infer`, body, headers: { 'inference-header-content-length': '0' } });
  raw('BYTES', 'text', Buffer.from('hello'));
  raw('FP32 of a batching model', 'labeled', binaryValues('FP32', 3));
  raw('a byte count that does not fit', 'labeled', binaryValues('FP32', 2));
  raw('a variable dimension', 'fp', binaryValues('FP32', 5));
  raw('a model with 14 inputs', 'types', binaryValues('INT32', 2));

  // JSON that rapidjson refuses, each for its own reason, at its byte offset.
  for (const [what, text] of [
    ['an unterminated string', '{"inputs": [{"name": "x}'],
    ['a bad escape', '{"id": "a\\qb", "inputs": []}'],
    ['a missing colon', '{"inputs" []}'],
    ['a trailing comma', '{"inputs": [1,]}'],
    ['a missing member name', '{"inputs": [], }'],
    ['a number without its fraction', '{"id": 1., "inputs": []}'],
    ['a number without its exponent', '{"id": 1e, "inputs": []}'],
    ['a lone surrogate escape', '{"id": "\\uD800", "inputs": []}'],
    ['a bad hex escape', '{"id": "\\u12G4", "inputs": []}'],
    ['a tab inside a string', '{"id": "a\tb", "inputs": []}'],
    ['a misspelt literal', '{"inputs": nul}'],
    ['a misspelt Infinity', '{"inputs": [{"name": "x", "datatype": "FP32", "shape": [1], "data": [Infinit]}]}'],
    ['a multi-byte character before the error', '{"id": "é", "inputs" []}'],
    ['only spaces', '   '],
  ] as const) {
    post(`fp: ${what}`, 'malformed JSON', '/v2/models/fp/infer', Buffer.from(text));
  }

  // What the frontend says of each member it cannot read, with TritonJson's reason; core errors with a request id.
  const more: [string, unknown][] = [
    ['an input entry that is not an object', { inputs: [5] }],
    ['an output entry that is not an object', { inputs: [x()], outputs: [5] }],
    ['a sequence_id that is a bool', { inputs: [x()], parameters: { sequence_id: true } }],
    ['a negative priority', { inputs: [x()], parameters: { priority: -1 } }],
    ['a timeout that is a string', { inputs: [x()], parameters: { timeout: '5' } }],
    ['binary_data_output that is a number', { inputs: [x()], parameters: { binary_data_output: 1 } }],
    ['binary_data that is a string', { inputs: [x()], outputs: [{ name: 'y', parameters: { binary_data: 'yes' } }] }],
    ['data that is not a list', { inputs: [x({ data: 5 })] }],
    ['a wrong shape with a request id', { id: 'req-9', inputs: [x({ shape: [3] })] }],
    ['an unknown output with a request id', { id: 'req-10', inputs: [x()], outputs: [{ name: 'nosuch' }] }],
  ];
  for (const [what, body] of more) post(`echo: ${what}`, 'request errors', '/v2/models/echo/infer', body);
  post('labeled: a wrong shape on a batching model', 'request errors', '/v2/models/labeled/infer', { inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4], data: [1, 2, 3, 4] }] });

  // Methods and paths.
  add({ id: 'GET on infer', kind: 'routing', method: 'GET', path: '/v2/models/echo/infer' });
  add({ id: 'POST on ready', kind: 'routing', method: 'POST', path: '/v2/models/echo/ready', body: Buffer.alloc(0) });
  add({ id: 'unknown path', kind: 'routing', method: 'GET', path: '/v2/nosuch' });
  add({ id: 'root', kind: 'routing', method: 'GET', path: '/' });
  add({ id: 'model name with an escape', kind: 'routing', method: 'GET', path: '/v2/models/ec%68o' });
  return requests;
}

