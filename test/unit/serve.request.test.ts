/**
 * serve's request handling without a server: the KServe v2 body (JSON and binary tensor data),
 * Triton core's checks against a model signature with their exact messages and codes, the generate
 * extension's body, and tensor bytes <-> JSON.
 */

import { describe, expect, it } from 'vitest';
import { classify } from '../../src/serve/classification.js';
import { TritonError } from '../../src/serve/errors.js';
import { urlVersion } from '../../src/serve/http.js';
import { prepareRequest, type ModelSignature } from '../../src/serve/request.js';
import { headerLengthOf, parseGenerateBody, parseInferBody } from '../../src/serve/request-body.js';
import { encodeTensor } from '../../src/triton/tensor-bytes.js';
import { bytesToJsonData, jsonDataToBytes, RawJson, stringifyJson, wireInfo } from '../../src/serve/tensors.js';

const signature: ModelSignature = {
  name: 'm',
  maxBatchSize: 4,
  decoupled: false,
  inputs: [
    { name: 'a', datatype: 'FP32', dims: [2], optional: false },
    { name: 'b', datatype: 'BYTES', dims: [-1], optional: false },
    { name: 'c', datatype: 'INT64', dims: [1], optional: true },
  ],
  outputs: [{ name: 'y', datatype: 'FP32', dims: [2], optional: false }],
};

const json = (value: unknown) => Buffer.from(JSON.stringify(value));

/** The TritonError `run` throws: [code, message]. */
function failure(run: () => unknown): [string, string] {
  try {
    run();
  } catch (error) {
    if (error instanceof TritonError) return [error.code, error.message];
    throw error;
  }
  throw new Error('no error');
}

const a = { name: 'a', datatype: 'FP32', shape: [1, 2], data: [1, 2] };
const b = { name: 'b', datatype: 'BYTES', shape: [1, 2], data: ['x', 'y'] };

describe('serve: the /infer body', () => {
  it('reads binary inputs after the JSON header, in input order', () => {
    const header = json({ inputs: [{ name: 'a', datatype: 'FP32', shape: [1, 2], parameters: { binary_data_size: 8 } }, b] });
    const floats = Buffer.alloc(8);
    floats.writeFloatLE(1.5, 0);
    floats.writeFloatLE(-2, 4);
    const request = parseInferBody(Buffer.concat([header, floats]), String(header.length), 'm');
    expect(request.inputs.map((input) => [input.name, input.shape, input.data])).toEqual([
      ['a', [1, 2], floats],
      ['b', [1, 2], encodeTensor('STRING', ['x', 'y'])],
    ]);
    const prepared = prepareRequest(request, signature);
    expect(prepared.requested).toEqual(['y']);
  });

  it('refuses binary data that is short, left over, or a header length out of range', () => {
    const header = json({ inputs: [{ name: 'a', datatype: 'FP32', shape: [1, 2], parameters: { binary_data_size: 8 } }] });
    expect(failure(() => parseInferBody(Buffer.concat([header, Buffer.alloc(5)]), String(header.length), 'm'))).toEqual([
      'INVALID_ARG',
      "unexpected size for input 'a', expecting 3 additional bytes for model 'm'",
    ]);
    expect(failure(() => parseInferBody(Buffer.concat([header, Buffer.alloc(9)]), String(header.length), 'm'))).toEqual(['INVALID_ARG', "unexpected additional input data for model 'm'"]);
    expect(failure(() => parseInferBody(header, String(header.length + 1), 'm'))).toEqual(['INVALID_ARG', `inference header size should be in range (0, ${header.length}), got: ${header.length + 1}`]);
  });

  it('reads nested JSON data row-major, and refuses data of the wrong JSON type as Triton does (INTERNAL)', () => {
    const request = parseInferBody(json({ inputs: [{ ...a, data: [[3, 4]] }, b] }), undefined, 'm');
    expect([...new Float32Array(new Uint8Array(request.inputs[0]!.data).buffer)]).toEqual([3, 4]);
    expect(failure(() => parseInferBody(json({ inputs: [{ ...a, data: ['3', 4] }] }), undefined, 'm'))).toEqual(['INTERNAL', "Unable to parse 'data': attempt to access JSON non-number as number"]);
    expect(failure(() => parseInferBody(json({ inputs: [{ name: 'c', datatype: 'INT64', shape: [1], data: [1.5] }] }), undefined, 'm'))).toEqual([
      'INTERNAL',
      "Unable to parse 'data': attempt to access JSON non-signed-integer as signed-integer",
    ]);
    expect(failure(() => parseInferBody(json({ inputs: [{ name: 'a', datatype: 'FP32', shape: [2] }] }), undefined, 'm'))).toEqual([
      'INVALID_ARG',
      "Input must set only one of the following fields: 'data', 'binary_data_size' in 'parameters', 'shared_memory_region' in 'parameters'. But no field is set",
    ]);
    expect(failure(() => parseInferBody(json({ inputs: [{ name: 'a', datatype: 'FLOAT', shape: [2], data: [1, 2] }] }), undefined, 'm'))).toEqual(['INVALID_ARG', 'invalid datatype for input a']);
    expect(failure(() => parseInferBody(Buffer.from('{"inputs": ['), undefined, 'm'))[0]).toBe('INTERNAL');
  });

  it('reads data nested as deep as a client likes (Triton 2.51.0 takes 20 000 levels)', () => {
    const depth = 100_000;
    const body = Buffer.from(`{"inputs":[{"name":"c","datatype":"INT64","shape":[1],"data":${'['.repeat(depth)}7${']'.repeat(depth)}}]}`);
    expect(parseInferBody(body, undefined, 'm').inputs[0]!.data.readBigInt64LE(0)).toBe(7n);
  });

  it('reads NaN and ±Infinity tokens for floats as Triton’s JSON reader does (not inside strings), refuses a number a double cannot hold, with its offset', () => {
    const body = '{"id":"NaN Infinity","inputs":[{"name":"a","datatype":"FP64","shape":[4],"data":[NaN,Infinity,-Infinity,-Inf]}]}';
    const request = parseInferBody(Buffer.from(body), undefined, 'm');
    expect(request.id).toBe('NaN Infinity');
    expect([0, 8, 16, 24].map((offset) => request.inputs[0]!.data.readDoubleLE(offset))).toEqual([NaN, Infinity, -Infinity, -Infinity]);
    expect(failure(() => parseInferBody(Buffer.from('{"inputs":[{"name":"c","datatype":"INT64","shape":[1],"data":[NaN]}]}'), undefined, 'm'))).toEqual([
      'INTERNAL',
      "Unable to parse 'data': attempt to access JSON non-signed-integer as signed-integer",
    ]);
    expect(failure(() => parseInferBody(Buffer.from('{"inputs":[{"name":"a","datatype":"FP32","shape":[1],"data":[1e400]}]}'), undefined, 'm'))).toEqual([
      'INTERNAL',
      'failed to parse the request JSON buffer: Number too big to be stored in double. at 61',
    ]);
    expect(failure(() => parseInferBody(Buffer.from('{"inputs": [toString]}'), undefined, 'm'))[1]).toMatch(/^failed to parse the request JSON buffer: /);
  });

  it('reads Inference-Header-Content-Length as 2.51.0 does (atoi): leading digits, whitespace and a sign first; no digits is 0, a raw binary request', () => {
    expect(['12', ' 12', '+12', '12abc', '12.9', '\t12 '].map((header) => headerLengthOf(header, 20))).toEqual([12, 12, 12, 12, 12, 12]);
    expect(headerLengthOf(undefined, 20)).toBe(20);
    expect(headerLengthOf('abc', 20)).toBe(0);
    expect(parseInferBody(Buffer.from('{"inputs": []}'), 'abc', 'm')).toMatchObject({ raw: Buffer.from('{"inputs": []}'), binaryByDefault: true, inputs: [] });
    expect(failure(() => headerLengthOf('99999999999999999999', 20))).toEqual(['INVALID_ARG', 'inference header size should be in range (0, 20), got: 99999999999999999999']);
  });

  it('reads a URL version as Triton’s std::stol does: leading zeros dropped, past int64 refused', () => {
    expect([urlVersion('007'), urlVersion('9223372036854775807'), urlVersion(undefined)]).toEqual(['7', '9223372036854775807', undefined]);
    expect(failure(() => urlVersion('9223372036854775808'))).toEqual([
      'INVALID_ARG',
      "failed to get model version from specified version string '9223372036854775808' (details: stol), version should be an integral value > 0",
    ]);
  });
});

describe("serve: the frontend's words for what it cannot read (with TritonJson's reason)", () => {
  const parse = (body: unknown) => failure(() => parseInferBody(typeof body === 'string' ? Buffer.from(body) : json(body), undefined, 'm'));

  it('names the member and why: missing, or not the kind asked for', () => {
    expect(parse({})).toEqual(['INTERNAL', "Unable to parse 'inputs': attempt to access non-existing object member 'inputs'"]);
    expect(parse([a])).toEqual(['INTERNAL', "Unable to parse 'inputs': attempt to access non-existing object member 'inputs'"]);
    expect(parse({ inputs: {} })).toEqual(['INTERNAL', "Unable to parse 'inputs': attempt to access JSON non-array as array"]);
    expect(parse({ id: 7, inputs: [] })).toEqual(['INTERNAL', "Unable to parse 'id': attempt to access JSON non-string as string"]);
    expect(parse({ inputs: [{ ...a, name: undefined }] })).toEqual(['INTERNAL', "Unable to parse 'name': attempt to access non-existing object member 'name'"]);
    expect(parse({ inputs: [{ ...a, shape: [-1] }] })).toEqual(['INTERNAL', "Unable to parse 'shape': attempt to access JSON non-unsigned-integer as unsigned-integer"]);
    expect(parse({ inputs: [{ ...a, data: 5 }] })).toEqual(['INTERNAL', "Unable to parse 'data': attempt to access JSON non-array as array"]);
    expect(parse({ inputs: [], parameters: [1] })).toEqual(['INTERNAL', 'failed to get request params.: attempt to get members for non-object']);
    expect(parse({ inputs: [], parameters: { sequence_id: true } })).toEqual(['INTERNAL', "Unable to parse 'sequence_id': attempt to access JSON non-string as string"]);
    expect(parse({ inputs: [], parameters: { timeout: -1 } })).toEqual(['INTERNAL', "Unable to parse 'timeout': attempt to access JSON non-unsigned-integer as unsigned-integer"]);
    expect(parse({ inputs: [], outputs: [{ name: 'y', parameters: { binary_data: 1 } }] })).toEqual(['INTERNAL', "Unable to parse 'binary_data': attempt to access JSON non-boolean as boolean"]);
    expect(parse({ inputs: [], outputs: [{ name: 'y', parameters: { classification: 'x' } }] })).toEqual(['INTERNAL', "Unable to set 'classification': attempt to access JSON non-unsigned-integer as unsigned-integer"]);
    // An input entry that is not an object has none of the content fields.
    expect(parse({ inputs: [5] })[1]).toMatch(/^Input must set only one of the following fields: .* But no field is set$/);
  });

  it('adds each input before reading its data: a name given twice fails before its data is read', () => {
    expect(parse({ inputs: [a, { ...a, data: 'not a list' }] })).toEqual(['INVALID_ARG', "[request id: <id_unknown>] input 'a' already exists in request"]);
  });

  it("words a JSON syntax error as rapidjson does, at its byte offset", () => {
    const cases: [string, string][] = [
      ['  \n', 'The document is empty. at 3'],
      ['hello', 'Invalid value. at 0'],
      ['{"inputs": [ {"name": "x"', "Missing a comma or '}' after an object member. at 25"],
      ['{"inputs": []}}', 'The document root must not be followed by other values. at 14'],
      ['{"inputs" []}', 'Missing a colon after a name of object member. at 10'],
      ['{"a": 1, }', 'Missing a name for object member. at 9'],
      ['[1 2]', "Missing a comma or ']' after an array element. at 3"],
      ['[1,]', 'Invalid value. at 3'],
      ['{"a": "x', 'Missing a closing quotation mark in string. at 8'],
      ['{"a": "\\q"}', 'Invalid escape character in string. at 7'],
      ['{"a": "\tb"}', 'Invalid escape character in string. at 7'],
      ['{"a": "\\u12G4"}', 'Incorrect hex digit after \\u escape in string. at 7'],
      ['{"a": "\\uDC00"}', 'The surrogate pair in string is invalid. at 7'],
      ['{"a": "\\uD800x"}', 'The surrogate pair in string is invalid. at 7'],
      ['{"a": 1.}', 'Miss fraction part in number. at 8'],
      ['{"a": -}', 'Invalid value. at 7'],
      ['{"a": 1e+}', 'Miss exponent in number. at 9'],
      ['{"a": nul}', 'Invalid value. at 9'],
      ['{"a": Infinit}', 'Invalid value. at 13'],
      ['{"é": x}', 'Invalid value. at 7'],
      ['{"a": 01}', "Missing a comma or '}' after an object member. at 7"],
      [`${'['.repeat(50_000)}1`, "Missing a comma or ']' after an array element. at 50001"],
    ];
    for (const [text, message] of cases) expect(parse(text), text.slice(0, 40)).toEqual(['INTERNAL', `failed to parse the request JSON buffer: ${message}`]);
    // An empty body is no JSON at all: its header length is 0, a raw binary request.
    expect(parseInferBody(Buffer.alloc(0), undefined, 'm')).toMatchObject({ raw: Buffer.alloc(0), inputs: [] });
  });
});

describe('serve: the classification extension', () => {
  const floats = (values: number[]) => Buffer.from(new Float32Array(values).buffer);
  const strings = (tensor: { data: Buffer }) => {
    const found: string[] = [];
    for (let at = 0; at < tensor.data.length; ) {
      const length = tensor.data.readUInt32LE(at);
      found.push(tensor.data.subarray(at + 4, at + 4 + length).toString());
      at += 4 + length;
    }
    return found;
  };

  it('gives the k largest elements per batch entry as "value:index[:label]", in std::to_string\'s form', () => {
    const batched = classify({ name: 'y', datatype: 'FP32', shape: [2, 3], data: floats([0.1, 0.7, 0.2, 3, 2, 3]) }, 2, true, ['cat', 'dog']);
    expect([batched.datatype, batched.shape, strings(batched)]).toEqual(['BYTES', [2, 2], ['0.700000:1:dog', '0.200000:2', '3.000000:0:cat', '3.000000:2']]);
    const ints = Buffer.alloc(16);
    ints.writeBigInt64LE(-5n, 0);
    ints.writeBigInt64LE(9007199254740993n, 8);
    const unbatched = classify({ name: 'y', datatype: 'INT64', shape: [2], data: ints }, 5, false, undefined);
    expect([unbatched.shape, strings(unbatched)]).toEqual([[2], ['9007199254740993:1', '-5:0']]);
  });

  it('refuses what has no order: BYTES (2.51.0 crashes on it; later releases answer this), BOOL, FP16', () => {
    for (const datatype of ['BYTES', 'BOOL', 'FP16']) {
      expect(failure(() => classify({ name: 'y', datatype, shape: [1], data: Buffer.alloc(4) }, 1, false, undefined))).toEqual([
        'INVALID_ARG',
        `class result not available for output due to unsupported type '${datatype}'`,
      ]);
    }
  });
});

describe("serve: Triton core's checks", () => {
  const check = (body: unknown) => failure(() => prepareRequest(parseInferBody(json(body), undefined, 'm'), signature));

  it('counts inputs against required and optional ones, with both lists', () => {
    expect(check({ inputs: [a] })).toEqual([
      'INVALID_ARG',
      "[request id: <id_unknown>] expected number of inputs between 2 and 3 but got 1 inputs for model 'm'. Got input(s) ['a'], but missing required input(s) ['b']. Please provide all required input(s).",
    ]);
    const d = { name: 'd', datatype: 'FP32', shape: [1, 1], data: [1] };
    // Too many inputs: Triton's missing list comes out as "]".
    expect(check({ inputs: [a, b, { name: 'c', datatype: 'INT64', shape: [1, 1], data: [1] }, d] })).toEqual([
      'INVALID_ARG',
      "[request id: <id_unknown>] expected number of inputs between 2 and 3 but got 4 inputs for model 'm'. Got input(s) ['a','b','c','d'], but missing required input(s) ]. Please provide all required input(s).",
    ]);
  });

  it('checks the batch dimension, then each datatype and shape, then sizes', () => {
    expect(check({ inputs: [{ ...a, shape: [5, 2], data: Array(10).fill(0) }, { ...b, shape: [5, 1], data: Array(5).fill('') }] })).toEqual([
      'INVALID_ARG',
      "[request id: <id_unknown>] inference request batch-size must be <= 4 for 'm'",
    ]);
    expect(check({ id: 'q', inputs: [{ ...a, shape: [2, 1], data: [1, 2] }, { ...b, shape: [1, 2] }] })).toEqual(['INVALID_ARG', "[request id: q] input 'b' batch size does not match other inputs for 'm'"]);
    expect(check({ inputs: [a, { ...b, datatype: 'INT8', data: [1, 2] }] })).toEqual(['INVALID_ARG', "[request id: <id_unknown>] inference input 'b' data-type is 'INT8', but model 'm' expects 'BYTES'"]);
    expect(check({ inputs: [a, { ...b, shape: [1, 3] }] })).toEqual(['INVALID_ARG', "[request id: <id_unknown>] expected 3 string elements for inference input 'b' for model 'm', got 2"]);
    expect(check({ inputs: [a, { ...b, shape: [1, 1] }] })).toEqual(['INVALID_ARG', "[request id: <id_unknown>] unexpected number of string elements 2 for inference input 'b' for model 'm', expecting 1"]);
    // The model's own lookups word these two, without the request id.
    expect(check({ inputs: [a, b], outputs: [{ name: 'z' }] })).toEqual(['INVALID_ARG', "unexpected inference output 'z' for model 'm'"]);
    expect(check({ inputs: [a, { ...b, name: 'e' }] })).toEqual(['INVALID_ARG', "unexpected inference input 'e' for model 'm'"]);
    // A batching model's shape error says where the batch dimension goes.
    expect(check({ id: 'r1', inputs: [{ ...a, shape: [1, 3], data: [1, 2, 3] }, b] })).toEqual([
      'INVALID_ARG',
      "[request id: r1] unexpected shape for input 'a' for model 'm'. Expected [-1,2], got [1,3]. NOTE: Setting a non-zero max_batch_size in the model config requires a batch dimension to be prepended to each input shape. If you want to specify the full shape including the batch dim in your input dims config, try setting max_batch_size to zero. See the model configuration docs for more info on max_batch_size.",
    ]);
  });

  it('gives a raw binary request (header length 0) to the model\'s one input, its shape deduced as the core deduces it', () => {
    const one = (datatype: string, dims: number[], maxBatchSize = 0): ModelSignature => ({ ...signature, maxBatchSize, inputs: [{ name: 'in', datatype, dims, optional: false }] });
    const raw = (body: Buffer, model: ModelSignature) => prepareRequest(parseInferBody(body, '0', 'm'), model).inputs[0];
    expect(raw(Buffer.alloc(24), one('FP32', [2, -1]))).toMatchObject({ name: 'in', shape: [2, 3] });
    expect(raw(Buffer.alloc(8), one('INT32', [2], 8))).toMatchObject({ name: 'in', shape: [1, 2] });
    expect(raw(Buffer.from('hi'), one('BYTES', [1]))).toMatchObject({ shape: [1], data: Buffer.from([2, 0, 0, 0, 104, 105]) });
    expect(raw(Buffer.alloc(0), one('INT32', [-1]))).toMatchObject({ shape: [0] });
    expect(failure(() => raw(Buffer.alloc(4), signature))).toEqual(['INVALID_ARG', "[request id: <id_unknown>] Raw request must only have 1 input (found 1) to be deduced but got 3 inputs in 'm' model configuration"]);
    expect(failure(() => raw(Buffer.alloc(4), one('FP32', [-1, -1])))).toEqual(['INVALID_ARG', "[request id: <id_unknown>] The shape of the raw input 'in' can not be deduced because there are more than one variable-sized dimension"]);
    expect(failure(() => raw(Buffer.from('hi'), one('BYTES', [-1])))).toEqual(['INVALID_ARG', "[request id: <id_unknown>] For BYTE datatype raw input 'in', the model must have input shape [1]"]);
    // After the deduction the core names the input by its key in the request, "raw_input".
    expect(failure(() => raw(Buffer.alloc(6), one('FP32', [2])))).toEqual(['INVALID_ARG', "[request id: <id_unknown>] input byte size mismatch for input 'raw_input' for model 'm'. Expected 8, got 6"]);
  });

  it('sends the model the outputs asked for, or all of them', () => {
    const prepared = prepareRequest(parseInferBody(json({ inputs: [a, b], outputs: [{ name: 'y', parameters: { binary_data: true } }], parameters: { k: 'v', sequence_id: 7 } }), undefined, 'm'), signature);
    expect(prepared).toMatchObject({ requested: ['y'], parameters: { k: 'v' }, correlationId: 7 });
  });
});

describe('serve: the generate body', () => {
  it('maps keys to inputs (shape from the metadata, batch first) and to parameters, top level and in "parameters"', () => {
    const request = parseGenerateBody(json({ a: [1, 2], b: 'hello', parameters: { temperature: 0.5, c: 3 }, stream: true }), signature);
    expect(request.inputs.map((input) => [input.name, input.shape])).toEqual([
      ['a', [1, 2]],
      ['b', [1, 1]],
      ['c', [1, 1]],
    ]);
    expect(request.parameters).toEqual({ temperature: 0.5, stream: true });
    expect(failure(() => parseGenerateBody(json({ a: [1, 2, 3] }), signature))).toEqual(['INVALID_ARG', "The schema can not convert input 'a' to tensor with proper shape"]);
    expect(failure(() => parseGenerateBody(json({ k: [1] }), signature))).toEqual(['INVALID_ARG', "parameter 'k' has invalid type. It should be either 'int', 'bool', or 'string'."]);
  });
});

describe('serve: tensor bytes and JSON', () => {
  const info = (wire: string) => wireInfo(wire)!;

  it('keeps every digit of 64-bit integers, wraps narrow integers as C casts do, and writes RawJson verbatim', () => {
    const big = Buffer.alloc(8);
    big.writeBigInt64LE(-9007199254740993n);
    expect(bytesToJsonData('o', info('INT64'), big, 1).text).toBe('[-9007199254740993]');
    expect([...jsonDataToBytes('i', info('UINT8'), [300, 255], 2)]).toEqual([44, 255]);
    expect(stringifyJson({ a: new RawJson('[1,2]'), b: 'x', c: undefined })).toBe('{"a":[1,2],"b":"x"}');
  });

  it('refuses FP16 and BF16 as JSON, both ways', () => {
    expect(failure(() => jsonDataToBytes('i', info('FP16'), [1], 1))).toEqual(['INVALID_ARG', 'receiving FP16 data via JSON is not supported. Please use the binary data format for input i']);
    expect(failure(() => bytesToJsonData('o', info('BF16'), Buffer.alloc(2), 1))).toEqual(['INVALID_ARG', 'sending BF16 data via JSON is not supported. Please use the binary data format for output']);
  });
});
