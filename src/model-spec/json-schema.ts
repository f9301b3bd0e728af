/**
 * JSON Schema of a --from spec file, built from the same constants the field rules use, so the
 * schema shipped in the package (schema/spec.schema.json, written by scripts/schema.mjs) cannot
 * drift from what the CLI accepts. Editors use it for completion and checks.
 */

import { DATA_TYPE_NAMES } from './dtypes.js';
import { INSTANCE_KINDS, MAX_NAME_LENGTH, MAX_RANK, MODEL_NAME_PATTERN, TEMPLATE_NAMES, TENSOR_NAME_PATTERN } from './fields.js';

const NUMPY_SPELLINGS = ['bool', 'bool_', 'uint8', 'uint16', 'uint32', 'uint64', 'int8', 'int16', 'int32', 'int64', 'float16', 'half', 'float32', 'float64', 'double', 'bfloat16', 'bytes', 'bytes_', 'str', 'object', 'object_', 'BYTES'];

/** Spellings of data types a spec file may use (the CLI also accepts any letter case). */
export const DATA_TYPE_SPELLINGS = [
  ...DATA_TYPE_NAMES,
  ...DATA_TYPE_NAMES.map((n) => `TYPE_${n}`),
  ...DATA_TYPE_NAMES.map((n) => n.toLowerCase()),
  ...DATA_TYPE_NAMES.map((n) => `type_${n.toLowerCase()}`),
  ...NUMPY_SPELLINGS,
].filter((spelling, index, all) => all.indexOf(spelling) === index);

const INT32_MAX = 2 ** 31 - 1;

export function specJsonSchema() {
  const dim = { type: 'integer', anyOf: [{ const: -1 }, { minimum: 1 }] };
  const tensorObject = {
    type: 'object',
    additionalProperties: false,
    required: ['name', 'dataType', 'dims'],
    properties: {
      name: { type: 'string', pattern: TENSOR_NAME_PATTERN, maxLength: MAX_NAME_LENGTH, description: 'Tensor name, as clients and model.py use it' },
      dataType: { enum: DATA_TYPE_SPELLINGS, description: 'Triton data type: FP32, TYPE_FP32, float32, STRING/bytes/str, ...' },
      optional: { type: 'boolean', description: 'Inputs only: clients may leave it out' },
      reshape: { type: 'array', maxItems: MAX_RANK, items: dim, description: 'The shape model.py sees instead of dims (same element count)' },
      dims: {
        description: 'Dimensions without the batch dimension; -1 for a variable size',
        oneOf: [{ type: 'array', minItems: 1, maxItems: MAX_RANK, items: dim }, { type: 'string', pattern: '^\\s*\\[?\\s*-?\\d+(\\s*,\\s*-?\\d+)*\\s*\\]?\\s*$' }],
      },
    },
  };
  const tensors = {
    type: 'array',
    minItems: 1,
    items: { oneOf: [tensorObject, { type: 'string', pattern: '^[^:]+:[^:]+:[^:]+$', description: 'name:TYPE:dims, as for --input/--output' }] },
  };
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'https://unpkg.com/create-triton-model/schema/spec.schema.json',
    title: 'create-triton-model spec file (--from)',
    description: 'The fields of the create-triton-model flags; flags given on the command line override them.',
    type: 'object',
    additionalProperties: false,
    properties: {
      $schema: { type: 'string' },
      name: { type: 'string', pattern: MODEL_NAME_PATTERN, maxLength: MAX_NAME_LENGTH, not: { const: 'stats' }, description: 'Model name: the folder under models/' },
      template: { enum: [...TEMPLATE_NAMES] },
      maxBatchSize: { type: 'integer', minimum: 0, maximum: INT32_MAX, description: '0 disables batching; > 0 adds an implicit batch dimension' },
      inputs: tensors,
      outputs: tensors,
      requirements: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 1000, pattern: '^[^-\\s]' }, description: 'PEP 508 lines for requirements.txt' },
      assets: { type: 'array', items: { type: 'string', minLength: 1 }, description: 'Files or folders copied into assets/, relative to this file' },
      tritonVersion: { type: 'string', pattern: '^[0-9]{2}\\.(0[1-9]|1[0-2])(-py3)?$', description: 'NGC release tag YY.MM of nvcr.io/nvidia/tritonserver' },
      instanceKind: { enum: [...INSTANCE_KINDS] },
      instanceCount: { type: 'integer', minimum: 1, maximum: INT32_MAX },
      modelVersion: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER },
      instanceGroups: {
        type: 'array',
        minItems: 1,
        description: 'instance_group entries; replaces instanceKind/instanceCount',
        items: {
          oneOf: [
            { type: 'string', pattern: '^(cpu|gpu|auto):[0-9]+(:[0-9]+(,[0-9]+)*)?$', description: 'kind:count[:gpus]' },
            {
              type: 'object',
              additionalProperties: false,
              required: ['kind'],
              properties: { kind: { enum: [...INSTANCE_KINDS] }, count: { type: 'integer', minimum: 1, maximum: INT32_MAX }, gpus: { type: 'array', items: { type: 'integer', minimum: 0 } } },
            },
          ],
        },
      },
      dynamicBatching: {
        description: 'Let Triton batch requests together (needs maxBatchSize > 0)',
        oneOf: [
          { type: 'boolean' },
          {
            type: 'object',
            additionalProperties: false,
            properties: {
              preferredBatchSizes: { type: 'array', items: { type: 'integer', minimum: 1, maximum: INT32_MAX } },
              maxQueueDelayMicroseconds: { type: 'integer', minimum: 0 },
            },
          },
        ],
      },
      parameters: {
        description: 'config parameters (strings) model.py can read',
        oneOf: [
          { type: 'object', propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_.-]*$', not: { const: 'assets_dir' } }, additionalProperties: { type: ['string', 'number', 'boolean'] } },
          { type: 'array', items: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_.-]*=' } },
        ],
      },
      versionPolicy: { type: 'string', pattern: '^(all|latest(:[1-9][0-9]*)?|specific:[1-9][0-9]*(,[1-9][0-9]*)*)$', description: 'latest[:N] | all | specific:V[,V...]' },
    },
  };
}
