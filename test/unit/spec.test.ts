/** The spec layer: the data type table, field rules, defaults and the shipped JSON Schema. */

import Ajv2020Module from 'ajv/dist/2020.js';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DATA_TYPES, lookupDataType } from '../../src/model-spec/dtypes.js';
import { InvalidValue, parseDims, parseMaxBatchSize, parseModelName, parseModelVersion, parseRequirement, parseTensorFlag, parseTritonVersion, pythonVersionOf } from '../../src/model-spec/fields.js';
import { DEFAULT_TRITON_VERSION, describeRelease, knownRelease, MIN_TRITON_VERSION, TRITON_RELEASES } from '../../src/model-spec/releases.js';
import { DATA_TYPE_SPELLINGS, specJsonSchema } from '../../src/model-spec/json-schema.js';
import { imageNameFor } from '../../src/model-spec/image-name.js';
import { finalizeSpec, type SpecDraft } from '../../src/model-spec/spec.js';
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

  it('judges integers beyond 2^53 exactly, and names them as written', () => {
    const problem = (parse: () => unknown) => {
      try {
        parse();
      } catch (error) {
        if (error instanceof InvalidValue) return error.message;
      }
      throw new Error('accepted');
    };
    // As typed, and as a spec file holds them (from-file.ts keeps them as bigint): never rounded to ...992.
    for (const raw of ['9007199254740993', 9007199254740993n]) {
      expect(problem(() => parseDims([raw]))).toBe(
        "dimension 9007199254740993 is too large (allowed: at most 9007199254740991; Triton's dims are int64, but no tensor that large fits in memory)",
      );
    }
    expect(problem(() => parseDims('9223372036854775807'))).toMatch(/^dimension 9223372036854775807 is too large/);
    expect(parseDims([9007199254740991, -1])).toEqual([9007199254740991, -1]);
    expect(problem(() => parseDims([-9007199254740993n]))).toBe('dimension -9007199254740993 is not allowed (allowed: integers >= 1, or -1 for a variable size)');
    expect(problem(() => parseMaxBatchSize(9007199254740993n))).toBe("must be an integer from 0 to 2147483647 (Triton's max_batch_size is an int32; 0 disables batching)");
    expect(problem(() => parseModelVersion('9007199254740992'))).toBe('must be a positive integer up to 9007199254740991 (the version folder name)');
    expect(parseModelVersion(9007199254740991n)).toBe(9007199254740991);
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
    // Well-formed but unknown: accepted here, with a warning from finalizeSpec.
    expect(parseTritonVersion('30.01')).toBe('30.01');
    for (const bad of ['latest', '25.1', '25.13', '23.09', '2025.10']) expect(() => parseTritonVersion(bad)).toThrow(InvalidValue);
    expect(pythonVersionOf('24.10')).toBe('3.10');
    expect(pythonVersionOf('24.11')).toBe('3.12');
    expect(pythonVersionOf('30.01')).toBe('3.12');
  });

  it('knows every release from 23.10 to 26.09, each with its Triton version, and defaults to the newest', () => {
    const tags = TRITON_RELEASES.map((r) => r.tag);
    // One row a month, oldest first, none missing: an unknown tag is then surely newer than the table.
    const months = (tag: string) => Number(tag.slice(0, 2)) * 12 + Number(tag.slice(3)) - 1;
    expect(tags.map(months)).toEqual(tags.map((_, i) => months(tags[0]!) + i));
    expect([tags[0], tags.at(-1), MIN_TRITON_VERSION, DEFAULT_TRITON_VERSION]).toEqual(['23.10', '26.09', '23.10', '26.09']);
    // Triton's release notes and server branches: YY.MM -> 2.N.0, N growing by one a month (25.07 was the patch release 2.59.1).
    const triton = Object.fromEntries(TRITON_RELEASES.map((r) => [r.tag, r.triton]));
    expect(triton).toMatchObject({
      '23.10': '2.39.0', '23.12': '2.41.0', '24.03': '2.44.0', '24.07': '2.48.0', '24.10': '2.51.0', '24.11': '2.52.0', '24.12': '2.53.0',
      '25.06': '2.59.0', '25.07': '2.59.1', '25.08': '2.60.0', '25.12': '2.64.0', '26.02': '2.66.0', '26.06': '2.70.0', '26.07': '2.71.0', '26.09': '2.73.0',
    });
    for (const release of TRITON_RELEASES) {
      const jammy = release.tag < '24.11';
      expect([release.python, release.ubuntu], release.tag).toEqual(jammy ? ['3.10', '22.04'] : ['3.12', '24.04']);
      expect(release.numpy, release.tag).toMatch(/^1\.x/);
    }
    expect(knownRelease('24.08')?.notes).toMatch(/BF16/);
    expect(describeRelease('26.09')).toBe('26.09 is Triton 2.73.0');
    expect(describeRelease('30.01')).toBe('30.01, newer than the releases create-triton-model knows; the newest, 26.09, is Triton 2.73.0');
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

  it('defaults to the newest known release, warns about an unknown one, and refuses BF16 before 24.08', () => {
    const defaulted = finalizeSpec({});
    expect(defaulted.spec.tritonVersion).toBe('26.09');
    expect(defaulted.warnings).toEqual([]);
    expect(finalizeSpec({ tritonVersion: { value: '30.01', label: '--triton-version', raw: '30.01' } }).warnings).toEqual([
      '--triton-version "30.01": not a release create-triton-model knows (the newest it knows is 26.09, Triton 2.73.0): generated as for 26.09 (Python 3.12); check that nvcr.io/nvidia/tritonserver:30.01-py3 exists',
    ]);
    const bf16 = { inputs: [{ value: { name: 'a', dataType: 'BF16' as const, dims: [1] }, label: '--input', raw: 'a:BF16:1' }] };
    expect(() => finalizeSpec({ ...bf16, tritonVersion: sourced('24.07') })).toThrow(
      '--input "a:BF16:1": BF16 tensors need Triton 24.08 or later (the Python backend of 24.07 cannot load them; choose --triton-version 24.08 or later)',
    );
    expect(finalizeSpec({ ...bf16, tritonVersion: sourced('24.08') }).spec.tritonVersion).toBe('24.08');
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
