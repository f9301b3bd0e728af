/** The spec layer: the data type table, field rules, defaults and the shipped JSON Schema. */

import Ajv2020Module from 'ajv/dist/2020.js';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DATA_TYPES, lookupDataType } from '../../src/spec/dtypes.js';
import { InvalidValue, parseDims, parseModelName, parseRequirement, parseTensorFlag, parseTritonVersion, pythonVersionOf } from '../../src/spec/fields.js';
import { DATA_TYPE_SPELLINGS, specJsonSchema } from '../../src/spec/json-schema.js';
import { imageNameFor } from '../../src/spec/image-name.js';
import { finalizeSpec, type SpecDraft } from '../../src/spec/spec.js';
import { ROOT } from '../helpers/cli.js';

describe('data types', () => {
  it('has the 14 Triton types with the reference enum numbers, wire names and numpy types', () => {
    expect(DATA_TYPES.map((t) => [t.config, t.enumNumber, t.wire])).toEqual([
      ['TYPE_BOOL', 1, 'BOOL'],
      ['TYPE_UINT8', 2, 'UINT8'],
      ['TYPE_UINT16', 3, 'UINT16'],
      ['TYPE_UINT32', 4, 'UINT32'],
      ['TYPE_UINT64', 5, 'UINT64'],
      ['TYPE_INT8', 6, 'INT8'],
      ['TYPE_INT16', 7, 'INT16'],
      ['TYPE_INT32', 8, 'INT32'],
      ['TYPE_INT64', 9, 'INT64'],
      ['TYPE_FP16', 10, 'FP16'],
      ['TYPE_FP32', 11, 'FP32'],
      ['TYPE_FP64', 12, 'FP64'],
      ['TYPE_STRING', 13, 'BYTES'],
      ['TYPE_BF16', 14, 'BF16'],
    ]);
    expect(DATA_TYPES.find((t) => t.name === 'STRING')!.numpy).toBe('np.object_');
    expect(DATA_TYPES.find((t) => t.name === 'BF16')!.numpy).toBeNull();
    expect(DATA_TYPES.filter((t) => t.binaryOnly).map((t) => t.name)).toEqual(['FP16', 'BF16']);
  });

  it.each([
    ['FP32', 'FP32'],
    ['fp32', 'FP32'],
    ['TYPE_FP32', 'FP32'],
    ['type_fp32', 'FP32'],
    ['float32', 'FP32'],
    ['uint8', 'UINT8'],
    ['bool', 'BOOL'],
    ['bytes', 'STRING'],
    ['str', 'STRING'],
    ['BYTES', 'STRING'],
    ['bfloat16', 'BF16'],
    [' int64 ', 'INT64'],
  ])('reads %j as %s', (spelling, expected) => {
    expect(lookupDataType(spelling)).toBe(expected);
  });

  it.each(['FP33', 'float', 'TYPE_', '', 'int', 'string8'])('does not guess %j', (spelling) => {
    expect(lookupDataType(spelling)).toBeUndefined();
  });
});

describe('field rules', () => {
  it('parses tensor flags, with or without brackets and spaces in dims', () => {
    expect(parseTensorFlag('image:UINT8:-1,-1,3')).toEqual({ name: 'image', dataType: 'UINT8', dims: [-1, -1, 3] });
    expect(parseTensorFlag('x.y-z:float32:[ 2, 3 ]')).toEqual({ name: 'x.y-z', dataType: 'FP32', dims: [2, 3] });
    expect(() => parseTensorFlag('a:b:c:d')).toThrow(InvalidValue);
  });

  it('refuses dims Triton refuses, and more dimensions than numpy can hold with a batch', () => {
    for (const bad of ['', '0', '-2', '1.5', '1e3', 'x', Array(32).fill('1').join(',')]) expect(() => parseDims(bad)).toThrow(InvalidValue);
    expect(parseDims(Array(31).fill('2').join(','))).toHaveLength(31);
    expect(parseDims([1, -1])).toEqual([1, -1]);
  });

  it('model names: letters, digits, _ - . from a letter or digit, at most 128, not "stats"', () => {
    for (const good of ['a', 'dumb_stub', 'model.v2', '9lives', 'A-b_c.d']) expect(parseModelName(good)).toBe(good);
    for (const bad of ['', '_x', '.hidden', 'a b', 'a/b', '..', 'stats', 'x'.repeat(129), 'é']) expect(() => parseModelName(bad)).toThrow(InvalidValue);
  });

  it('requirements: PEP 508 lines only', () => {
    for (const good of ['torch==2.4.0', 'numpy<2', 'numpy>=1.26,<2', 'pkg[extra1,extra2]>=1.0', 'pkg; python_version >= "3.10"', 'pkg @ https://example.com/pkg-1.0.whl', 'opencv-python-headless==4.10.0.82']) {
      expect(parseRequirement(good)).toBe(good);
    }
    for (const bad of ['', '-r other.txt', '--index-url x', 'a\nb', 'torch = = 2', 'pkg @ https://u:p@host/x.whl', 'pkg # comment']) {
      expect(() => parseRequirement(bad), bad).toThrow(InvalidValue);
    }
  });

  it('Triton versions: YY.MM from 23.10, and the Python each image runs', () => {
    expect(parseTritonVersion('25.10')).toBe('25.10');
    expect(parseTritonVersion('24.08-py3')).toBe('24.08');
    for (const bad of ['latest', '25.1', '25.13', '23.09', '2025.10']) expect(() => parseTritonVersion(bad)).toThrow(InvalidValue);
    expect(pythonVersionOf('24.10')).toBe('3.10');
    expect(pythonVersionOf('24.11')).toBe('3.12');
  });

  it('docker image names from folder names', () => {
    expect(imageNameFor('/x/My Project')).toBe('my-project');
    expect(imageNameFor('demo')).toBe('demo');
    expect(imageNameFor('/x/__init__')).toBe('init');
    expect(imageNameFor('/x/!!!')).toBe('triton-model');
  });
});

describe('finalizeSpec', () => {
  const sourced = <T>(value: T) => ({ value, label: '--test', raw: value });

  it('defaults to the image stub without tensors and to blank with them, and lists what it defaulted', () => {
    const stub = finalizeSpec({});
    expect(stub.spec).toMatchObject({ name: 'dumb_stub', template: 'image-stub', maxBatchSize: 0, requirements: ['opencv-python-headless==4.10.0.82'] });
    expect(stub.defaulted[0]).toBe('name=dumb_stub');
    const blank = finalizeSpec({ inputs: [sourced({ name: 'a', dataType: 'FP32' as const, dims: [1] })] });
    expect(blank.spec.template).toBe('blank');
    expect(blank.spec.outputs).toEqual([{ name: 'OUTPUT0', dataType: 'FP32', dims: [4] }]);
  });

  it('adds torch for BF16 tensors unless the user pinned it', () => {
    const draft: SpecDraft = { inputs: [sourced({ name: 'a', dataType: 'BF16' as const, dims: [1] })] };
    expect(finalizeSpec(draft).spec.requirements).toEqual(['torch>=2.2']);
    expect(finalizeSpec({ ...draft, requirements: [sourced('torch==2.4.0')] }).spec.requirements).toEqual(['torch==2.4.0']);
  });
});

describe('the shipped JSON Schema', () => {
  const schemaFile = JSON.parse(fs.readFileSync(path.join(ROOT, 'schema/spec.schema.json'), 'utf8'));
  // ajv is CommonJS: its class sits on the default export's default under NodeNext typing.
  type AjvClass = new (options: { strict: boolean }) => { compile: (schema: object) => ((data: unknown) => boolean) & { errors?: unknown } };
  const moduleValue = Ajv2020Module as unknown as { default?: AjvClass } & AjvClass;
  const Ajv2020: AjvClass = moduleValue.default ?? moduleValue;
  const validate = new Ajv2020({ strict: false }).compile(schemaFile);

  it('is the one built from the field rules (run npm run build to refresh it)', () => {
    expect(schemaFile).toEqual(specJsonSchema());
  });

  it('accepts a full spec and every data type spelling, and rejects what the CLI rejects', () => {
    const full = {
      name: 'resnet',
      template: 'blank',
      maxBatchSize: 8,
      inputs: [{ name: 'image', dataType: 'uint8', dims: [-1, -1, 3] }, 'mask:BOOL:1'],
      outputs: DATA_TYPE_SPELLINGS.map((dataType, i) => ({ name: `out${i}`, dataType, dims: '1,-1' })),
      requirements: ['torch==2.4.0'],
      assets: ['weights.pt'],
      tritonVersion: '25.10',
      instanceKind: 'gpu',
      instanceCount: 2,
      modelVersion: 3,
    };
    expect(validate(full), JSON.stringify(validate.errors)).toBe(true);
    for (const spelling of DATA_TYPE_SPELLINGS) expect(lookupDataType(spelling), spelling).toBeDefined();
    for (const bad of [{ name: 'stats' }, { name: 'a b' }, { maxBatchSize: -1 }, { batch: 4 }, { inputs: [{ name: 'x', dataType: 'FP33', dims: [1] }] }, { inputs: [{ name: 'x', dataType: 'FP32', dims: [0] }] }, { tritonVersion: 'latest' }, { requirements: ['--index-url x'] }, { instanceKind: 'tpu' }, { modelVersion: 0 }]) {
      expect(validate(bad), JSON.stringify(bad)).toBe(false);
    }
  });
});
