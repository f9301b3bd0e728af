/** Spec -> config.pbtxt, through the protobuf text-format printer (never string templates: escaping must be exact). */

import { printTextProto, type PbJsonObject } from '../pbtxt/printer.js';
import { dataTypeInfo } from '../model-spec/dtypes.js';
import type { TensorSpec, VersionPolicy } from '../model-spec/fields.js';
import type { Spec } from '../model-spec/spec.js';
import { TEMPLATES } from '../model-spec/templates.js';

/** Relative to the model folder: /models/<name>/../../assets is /assets in the image, <project>/assets locally. */
export const ASSETS_DIR_FROM_MODEL = '../../assets';

const INSTANCE_KIND = { cpu: 'KIND_CPU', gpu: 'KIND_GPU', auto: 'KIND_AUTO' } as const;

function tensorConfig(tensor: TensorSpec): PbJsonObject {
  return {
    name: tensor.name,
    data_type: dataTypeInfo(tensor.dataType).config,
    dims: tensor.dims,
    optional: tensor.optional ? true : undefined,
    reshape: tensor.reshape ? { shape: tensor.reshape } : undefined,
  };
}

function versionPolicyConfig(policy: VersionPolicy): PbJsonObject {
  if (policy.kind === 'all') return { all: {} };
  if (policy.kind === 'latest') return { latest: { num_versions: policy.numVersions } };
  return { specific: { versions: policy.versions } };
}

/** The ModelConfig in Triton's JSON form, fields in the order a reader expects them. */
export function modelConfigJson(spec: Spec): PbJsonObject {
  const batching = spec.dynamicBatching;
  return {
    name: spec.name,
    backend: 'python',
    max_batch_size: spec.maxBatchSize,
    version_policy: spec.versionPolicy ? versionPolicyConfig(spec.versionPolicy) : undefined,
    input: spec.inputs.map(tensorConfig),
    output: spec.outputs.map(tensorConfig),
    instance_group: spec.instanceGroups.map((group) => ({ count: group.count, kind: INSTANCE_KIND[group.kind], gpus: group.gpus })),
    dynamic_batching: batching
      ? {
          preferred_batch_size: batching.preferredBatchSizes.length > 0 ? batching.preferredBatchSizes : undefined,
          max_queue_delay_microseconds: batching.maxQueueDelayMicroseconds > 0 ? batching.maxQueueDelayMicroseconds : undefined,
        }
      : undefined,
    model_transaction_policy: TEMPLATES[spec.template].decoupled ? { decoupled: true } : undefined,
    parameters: Object.fromEntries([['assets_dir', { string_value: ASSETS_DIR_FROM_MODEL }], ...spec.parameters.map(([key, value]) => [key, { string_value: value }])]),
  };
}

const HEADER = `# Triton model configuration (protobuf text format, message inference.ModelConfig).
# The "assets_dir" parameter tells model.py where its files are, relative to this folder:
# ${ASSETS_DIR_FROM_MODEL} is /assets in the image and the project's assets/ folder locally.
`;

export function renderConfig(spec: Spec): string {
  return HEADER + '\n' + printTextProto(modelConfigJson(spec));
}
