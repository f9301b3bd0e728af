/**
 * printTextProto: the layout the generator relies on, byte for byte, and the field kinds it prints
 * for toJson() output. (That printed texts parse back to the same message, with our parser and
 * with protoc, is checked on the whole corpus in pbtxt.corpus.test.ts.)
 */

import { describe, expect, it } from 'vitest';
import { toJson } from '../../src/pbtxt/json.js';
import { parseTextProto } from '../../src/pbtxt/parser.js';
import { printTextProto, quoteString } from '../../src/pbtxt/printer.js';

describe('printTextProto', () => {
  it('prints the fields the generator emits in the agreed layout', () => {
    const config = {
      name: 'dumb_stub',
      backend: 'python',
      max_batch_size: 8,
      input: [{ name: 'prompt', data_type: 'TYPE_STRING', dims: [1] }],
      output: [
        { name: 'image', data_type: 'TYPE_UINT8', dims: [-1, -1, 3] },
        { name: 'meta', data_type: 'TYPE_STRING', dims: [1], reshape: { shape: [] } },
      ],
      instance_group: [{ count: 1, kind: 'KIND_CPU' }],
      parameters: { seed: { string_value: '0' }, EXECUTION_ENV_PATH: { string_value: '$$TRITON_MODEL_DIRECTORY/env.tar.gz' } },
      dynamic_batching: { max_queue_delay_microseconds: 100 },
      version_policy: { latest: { num_versions: 1 } },
      model_transaction_policy: { decoupled: true },
    };
    expect(printTextProto(config)).toBe(
      [
        'name: "dumb_stub"',
        'backend: "python"',
        'max_batch_size: 8',
        '',
        'input [',
        '  {',
        '    name: "prompt"',
        '    data_type: TYPE_STRING',
        '    dims: [ 1 ]',
        '  }',
        ']',
        '',
        'output [',
        '  {',
        '    name: "image"',
        '    data_type: TYPE_UINT8',
        '    dims: [ -1, -1, 3 ]',
        '  },',
        '  {',
        '    name: "meta"',
        '    data_type: TYPE_STRING',
        '    dims: [ 1 ]',
        '    reshape {',
        '      shape: [ ]',
        '    }',
        '  }',
        ']',
        '',
        'instance_group [',
        '  {',
        '    count: 1',
        '    kind: KIND_CPU',
        '  }',
        ']',
        '',
        'parameters {',
        '  key: "seed"',
        '  value {',
        '    string_value: "0"',
        '  }',
        '}',
        'parameters {',
        '  key: "EXECUTION_ENV_PATH"',
        '  value {',
        '    string_value: "$$TRITON_MODEL_DIRECTORY/env.tar.gz"',
        '  }',
        '}',
        '',
        'dynamic_batching {',
        '  max_queue_delay_microseconds: 100',
        '}',
        '',
        'version_policy {',
        '  latest {',
        '    num_versions: 1',
        '  }',
        '}',
        '',
        'model_transaction_policy {',
        '  decoupled: true',
        '}',
        '',
      ].join('\n'),
    );
    const parsed = parseTextProto(printTextProto(config));
    expect(parsed.diagnostics).toEqual([]);
    expect(toJson(parsed.message!)).toEqual(config);
  });

  it('escapes strings as protobuf does', () => {
    expect(quoteString('a"b\\c\n\t\r\'é\u0001')).toBe('"a\\"b\\\\c\\n\\t\\r\\\'\\303\\251\\001"');
  });

  it('prints integer map keys, open enum numbers, non-finite floats and -0', () => {
    const batching = printTextProto({ input: [{ data_type: 99 }], dynamic_batching: { priority_queue_policy: { '2': { timeout_action: 'DELAY' } } } });
    expect(batching).toContain('data_type: 99');
    expect(batching).toContain('  key: 2\n');
    const sequence = printTextProto({ sequence_batching: { control_input: [{ control: [{ fp32_false_true: ['NaN', 'Infinity', '-Infinity', -0, NaN, 1.5] }] }] } });
    expect(sequence).toContain('fp32_false_true: [ nan, inf, -inf, -0, nan, 1.5 ]');
    for (const text of [batching, sequence]) expect(parseTextProto(text).diagnostics).toEqual([]);
  });

  it('rejects values that do not fit the field', () => {
    expect(() => printTextProto({ max_batch_size: 1.5 })).toThrow(/expected an integer/);
    expect(() => printTextProto({ input: [{ data_type: 'TYPE_FP33' }] })).toThrow(/not a value of DataType/);
    expect(() => printTextProto({ dynamic_batching: { priority_queue_policy: { one: {} } } })).toThrow(/not an integer/);
    expect(() => printTextProto({ nope: 1 })).toThrow(/has no field named nope/);
  });
});
