/**
 * The parser's API: what ParsedMessage holds (values, kinds, source positions), the accessors,
 * when `message` is undefined, toJson's shape; and the tokenizer's string decoding. Whether texts
 * are accepted at all is checked against protoc in pbtxt.corpus.test.ts.
 */

import { describe, expect, it } from 'vitest';
import { Tokenizer, decodeStringLiteral, parseIntegerToken } from '../../src/pbtxt/lexer.js';
import { toJson } from '../../src/pbtxt/json.js';
import { getField, lastValue, mapEntries, type ParsedMessage } from '../../src/pbtxt/message.js';
import { parseTextProto } from '../../src/pbtxt/parser.js';

function parse(text: string, type?: string): ParsedMessage {
  const result = parseTextProto(text, type);
  expect(result.diagnostics).toEqual([]);
  return result.message as ParsedMessage;
}

describe('ParsedMessage', () => {
  const text = [
    'name: "m"  # comment',
    'max_batch_size: 0',
    'max_batch_size: 8',
    'input {',
    '  name: "x"',
    '  data_type: TYPE_FP32',
    '  dims: [ 1, -1 ]',
    '  dims: 0x10',
    '}',
    'instance_group [ { kind: 7 count: 2 } ]',
    'parameters { key: "a" value { string_value: "1" } }',
    'parameters < key: "a" value < string_value: "2" > >',
    'dynamic_batching { max_queue_delay_microseconds: 18446744073709551615 priority_queue_policy { key: 2 } }',
  ].join('\n');
  const message = parse(text);

  it('keeps fields in order of first appearance, with their descriptors', () => {
    expect(message.type).toBe('ModelConfig');
    expect(message.fields.map((field) => field.name)).toEqual(['name', 'max_batch_size', 'input', 'instance_group', 'parameters', 'dynamic_batching']);
    expect(getField(message, 'input')?.descriptor).toMatchObject({ number: 5, kind: 'message', repeated: true, messageType: 'ModelInput' });
  });

  it('keeps every value of a field, in order, and the last one counts', () => {
    const batch = getField(message, 'max_batch_size');
    expect(batch?.values.map((value) => value.value)).toEqual([0, 8]);
    expect(batch?.nameAt).toEqual([
      { line: 2, column: 1 },
      { line: 3, column: 1 },
    ]);
    expect(lastValue(message, 'max_batch_size')?.value).toBe(8);
  });

  it('locates each value, its field name and its source text', () => {
    const input = lastValue(message, 'input')?.value as ParsedMessage;
    expect(input.at).toEqual({ line: 4, column: 7 });
    expect(input.end).toEqual({ line: 9, column: 2 });
    const dims = getField(input, 'dims');
    expect(dims?.values.map(({ value, at, nameAt, text: source }) => ({ value, at, nameAt, source }))).toEqual([
      { value: 1n, at: { line: 7, column: 11 }, nameAt: { line: 7, column: 3 }, source: '1' },
      { value: -1n, at: { line: 7, column: 14 }, nameAt: { line: 7, column: 3 }, source: '-1' },
      { value: 16n, at: { line: 8, column: 9 }, nameAt: { line: 8, column: 3 }, source: '0x10' },
    ]);
    expect(lastValue(input, 'data_type')).toMatchObject({ value: 'TYPE_FP32', at: { line: 6, column: 14 }, end: { line: 6, column: 23 }, text: 'TYPE_FP32' });
    expect(lastValue(message, 'name')).toMatchObject({ value: 'm', text: '"m"', at: { line: 1, column: 7 } });
  });

  it('decodes each kind: int32 number, int64/uint64 bigint, enum name or unknown number', () => {
    const group = lastValue(message, 'instance_group')?.value as ParsedMessage;
    expect(lastValue(group, 'kind')?.value).toBe(7);
    expect(lastValue(group, 'count')?.value).toBe(2);
    const dynamic = lastValue(message, 'dynamic_batching')?.value as ParsedMessage;
    expect(lastValue(dynamic, 'max_queue_delay_microseconds')?.value).toBe(18446744073709551615n);
    expect(parse('input { data_type: 11 }').fields[0]?.values[0]?.value).toMatchObject({ fields: [{ name: 'data_type', values: [{ value: 'TYPE_FP32', text: '11' }] }] });
  });

  it('gives map fields as entries', () => {
    const parameters = getField(message, 'parameters');
    expect(parameters?.values[0]?.value).toMatchObject({ type: 'ModelConfig.ParametersEntry' });
    const entries = mapEntries(parameters!);
    expect(entries.map(({ key, value }) => [key, lastValue(value?.value as ParsedMessage, 'string_value')?.value])).toEqual([
      ['a', '1'],
      ['a', '2'],
    ]);
    const dynamic = lastValue(message, 'dynamic_batching')?.value as ParsedMessage;
    const queue = mapEntries(getField(dynamic, 'priority_queue_policy')!);
    expect(queue.map(({ key, value }) => [key, value])).toEqual([[2n, undefined]]);
    expect(mapEntries(getField(parse('metric_tags { value: "v" }'), 'metric_tags')!)[0]?.key).toBe('');
  });

  it('reads floats as float32 and doubles as doubles', () => {
    const config = parse('sequence_batching { direct { minimum_slot_utilization: 0.1 } } model_metrics { metric_control { histogram_options { buckets: [0.1, 1e400, -nan] } } }');
    const sequence = lastValue(config, 'sequence_batching')?.value as ParsedMessage;
    const direct = lastValue(sequence, 'direct')?.value as ParsedMessage;
    expect(lastValue(direct, 'minimum_slot_utilization')?.value).toBe(Math.fround(0.1));
    const metrics = lastValue(config, 'model_metrics')?.value as ParsedMessage;
    const control = lastValue(metrics, 'metric_control')?.value as ParsedMessage;
    const histogram = lastValue(control, 'histogram_options')?.value as ParsedMessage;
    expect(getField(histogram, 'buckets')?.values.map((value) => value.value)).toEqual([0.1, Infinity, NaN]);
  });

  it('parses other message types', () => {
    expect(toJson(parse('string_value: "x"', 'ModelParameter'))).toEqual({ string_value: 'x' });
    expect(() => parseTextProto('', 'NoSuchMessage')).toThrow(/unknown message type/);
  });
});

describe('diagnostics and the message', () => {
  it('gives no message after a syntax error', () => {
    const result = parseTextProto('name: "a"\nmax_batch_size 4');
    expect(result.message).toBeUndefined();
    expect(result.diagnostics).toEqual([{ line: 2, column: 16, message: 'Expected ":", found "4".', severity: 'error' }]);
  });

  it('keeps the valid rest of the message after value errors', () => {
    const result = parseTextProto('name: "a"\ninput { name: "x" data_type: TYPE_FP33 dims: [ 1 ] }\nbogus: 1\nbackend: "python"');
    expect(result.diagnostics.map((d) => d.message)).toEqual(['unknown data type TYPE_FP33', 'Message type "inference.ModelConfig" has no field named "bogus".']);
    expect(toJson(result.message!)).toEqual({ name: 'a', input: [{ name: 'x', dims: [1] }], backend: 'python' });
  });

  it('stops skipping unknown fields nested deeper than protobuf allows', () => {
    const deep = 'bogus { ' + 'x { '.repeat(100_000) + '}'.repeat(100_001);
    expect(parseTextProto(deep).diagnostics.map((d) => d.message)).toEqual([
      'Message type "inference.ModelConfig" has no field named "bogus".',
      'Message is too deep, the parser exceeded the configured recursion limit of 100.',
    ]);
  });

  it('accepts an empty text', () => {
    expect(parseTextProto('')).toEqual({ message: { type: 'ModelConfig', fields: [], at: { line: 1, column: 1 }, end: { line: 1, column: 1 } }, diagnostics: [] });
  });
});

describe('toJson', () => {
  it('gives the JSON Triton uses', () => {
    const message = parse(
      [
        'name: "m" max_batch_size: 0 max_batch_size: 2',
        'input { name: "x" data_type: 11 dims: [ -1, 9007199254740993 ] }',
        'instance_group { kind: 9 gpus: [ 0 ] }',
        'parameters { key: "a" value { string_value: "1" } } parameters { key: "a" value { string_value: "2" } } parameters { key: "b" }',
        'metric_tags []',
        'dynamic_batching { priority_queue_policy { key: 5 value { max_queue_size: 1 } } }',
      ].join('\n'),
    );
    expect(toJson(message)).toEqual({
      name: 'm',
      max_batch_size: 2,
      input: [{ name: 'x', data_type: 'TYPE_FP32', dims: [-1, '9007199254740993'] }],
      instance_group: [{ kind: 9, gpus: [0] }],
      parameters: { a: { string_value: '2' }, b: {} },
      dynamic_batching: { priority_queue_policy: { '5': { max_queue_size: 1 } } },
    });
  });

  it('writes floats like protobuf: 6 or 9 digits, non-finite values as strings', () => {
    const message = parse('sequence_batching { control_input { control { fp32_false_true: [ 0.1, 16777217, 3.4028235e38, inf, -inf, nan, -0 ] } } }');
    expect(JSON.stringify(toJson(message))).toBe(
      '{"sequence_batching":{"control_input":[{"control":[{"fp32_false_true":[0.1,16777216,3.40282347e+38,"Infinity","-Infinity","NaN",0]}]}]}}',
    );
  });
});

describe('tokenizer', () => {
  const tokens = (text: string) => {
    const tokenizer = new Tokenizer(text);
    const out: string[] = [];
    while (tokenizer.current.type !== 'end') {
      out.push(`${tokenizer.current.line}:${tokenizer.current.column} ${tokenizer.current.type} ${tokenizer.current.text}`);
      tokenizer.next();
    }
    return { out, error: tokenizer.error };
  };

  it('splits text into tokens with 1-based positions in code points', () => {
    expect(tokens('a: "😀" b # c\n  -1.5e3f 0x1F 017 .5 5. \'x\'').out).toEqual([
      '1:1 identifier a',
      '1:2 symbol :',
      '1:4 string "😀"',
      '1:8 identifier b',
      '2:3 symbol -',
      '2:4 float 1.5e3f',
      '2:11 integer 0x1F',
      '2:16 integer 017',
      '2:20 float .5',
      '2:23 float 5.',
      "2:26 string 'x'",
    ]);
  });

  it('records the first malformed token', () => {
    expect(tokens('a: 12ab').error).toEqual({ line: 1, column: 6, message: 'Need space between number and identifier.' });
    expect(tokens('a: "x').error).toEqual({ line: 1, column: 6, message: 'Unexpected end of string.' });
  });

  it('decodes string literals to bytes like protobuf', () => {
    const bytes = (literal: string) => decodeStringLiteral(literal);
    expect(bytes('"a\\n\\t\\r\\\\\\"\\\'\\?\\a\\b\\f\\v"')).toEqual([97, 10, 9, 13, 92, 34, 39, 63, 7, 8, 12, 11]);
    expect(bytes("'\\101\\1234\\08\\777\\400'")).toEqual([65, 83, 52, 0, 56, 255, 0]);
    expect(bytes('"\\x41\\x4142\\xf"')).toEqual([0x41, 0x41, 0x34, 0x32, 0x0f]);
    expect(bytes('"\\u00e9\\U0001F600"')).toEqual([0xc3, 0xa9, 0xf0, 0x9f, 0x98, 0x80]);
    expect(bytes('"\\uD83D\\uDE00"')).toEqual([0xf0, 0x9f, 0x98, 0x80]);
    expect(bytes('"\\uD800x"')).toEqual([0xed, 0xa0, 0x80, 0x78]);
    expect(bytes('"\\U00110000"')).toEqual([...Buffer.from('\\U00110000')]);
    expect(bytes('"é"')).toEqual([0xc3, 0xa9]);
  });

  it('parses integer tokens with a range limit', () => {
    expect(parseIntegerToken('2147483647', 2n ** 31n - 1n)).toBe(2147483647n);
    expect(parseIntegerToken('2147483648', 2n ** 31n - 1n)).toBeUndefined();
    expect(parseIntegerToken('0x7FFFFFFF', 2n ** 31n - 1n)).toBe(2147483647n);
    expect(parseIntegerToken('017', 100n)).toBe(15n);
    expect(parseIntegerToken('0', 0n)).toBe(0n);
  });
});
