/**
 * serve's request handling without a server: the KServe v2 body (JSON and binary tensor data),
 * Triton core's checks against a model signature with their exact messages and codes, the generate
 * extension's body, and tensor bytes <-> JSON.
 */

import { describe, expect, it } from 'vitest';
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

  it('reads Inference-Header-Content-Length as atoi does: leading digits, whitespace and a sign first; no digits is 0, which serve refuses as a raw binary request', () => {
    expect(['12', ' 12', '+12', '12abc', '12.9', '\t12 '].map((header) => headerLengthOf(header, 20))).toEqual([12, 12, 12, 12, 12, 12]);
    expect(headerLengthOf(undefined, 20)).toBe(20);
    expect(failure(() => headerLengthOf('abc', 20))).toEqual([
      'UNSUPPORTED',
      'serve does not implement raw binary requests (Inference-Header-Content-Length: abc reads as 0): send a JSON header and give its length',
    ]);
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

describe("serve: Triton core's checks", () => {
  const check = (body: unknown) => failure(() => prepareRequest(parseInferBody(json(body), undefined, 'm'), signature));

  it('counts inputs against required and optional ones, with both lists', () => {
    expect(check({ inputs: [a] })).toEqual([
      'INVALID_ARG',
      "expected number of inputs between 2 and 3 but got 1 inputs for model 'm'. Got input(s) ['a'], but missing required input(s) ['b']. Please provide all required input(s).",
    ]);
    const d = { name: 'd', datatype: 'FP32', shape: [1, 1], data: [1] };
    // Too many inputs: Triton's missing list comes out as "]".
    expect(check({ inputs: [a, b, { name: 'c', datatype: 'INT64', shape: [1, 1], data: [1] }, d] })).toEqual([
      'INVALID_ARG',
      "expected number of inputs between 2 and 3 but got 4 inputs for model 'm'. Got input(s) ['a','b','c','d'], but missing required input(s) ]. Please provide all required input(s).",
    ]);
  });

  it('checks the batch dimension, then each datatype and shape, then sizes', () => {
    expect(check({ inputs: [{ ...a, shape: [5, 2], data: Array(10).fill(0) }, { ...b, shape: [5, 1], data: Array(5).fill('') }] })).toEqual([
      'INVALID_ARG',
      "inference request batch-size must be <= 4 for 'm'",
    ]);
    expect(check({ id: 'q', inputs: [{ ...a, shape: [2, 1], data: [1, 2] }, { ...b, shape: [1, 2] }] })).toEqual(['INVALID_ARG', "[request id: q] input 'b' batch size does not match other inputs for 'm'"]);
    expect(check({ inputs: [a, { ...b, datatype: 'INT8', data: [1, 2] }] })).toEqual(['INVALID_ARG', "inference input 'b' data-type is 'INT8', but model 'm' expects 'BYTES'"]);
    expect(check({ inputs: [a, { ...b, shape: [1, 3] }] })).toEqual(['INVALID_ARG', "expected 3 string elements for inference input 'b' for model 'm', got 2"]);
    expect(check({ inputs: [a, { ...b, shape: [1, 1] }] })).toEqual(['INVALID_ARG', "unexpected number of string elements 2 for inference input 'b' for model 'm', expecting 1"]);
    expect(check({ inputs: [a, b], outputs: [{ name: 'z' }] })).toEqual(['INVALID_ARG', "unexpected inference output 'z' for model 'm'"]);
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
