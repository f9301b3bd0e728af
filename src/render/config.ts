/** Spec -> config.pbtxt, through the protobuf text-format printer (never string templates: escaping must be exact). */

import { printTextProto, type PbJsonObject } from '../pbtxt/printer.js';
import { dataTypeInfo } from '../model-spec/dtypes.js';
import type { TensorSpec, VersionPolicy } from '../model-spec/fields.js';
import { generatedModels } from '../model-spec/pipeline.js';
import type { Spec } from '../model-spec/spec.js';
import { TEMPLATES } from '../model-spec/templates.js';

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

/**
 * An ensemble: no code, no instances; its steps, each mapping the step model's tensor names (keys) to
 * the ensemble's (values). The generated steps use the ensemble's names for their own tensors, so each
 * map reads name: name; the ensemble's inputs feed step 1 and its outputs come from step 3.
 */
function ensembleConfigJson(spec: Spec): PbJsonObject {
  const steps = generatedModels(spec).slice(1);
  const byName = (tensors: TensorSpec[]) => Object.fromEntries(tensors.map((t) => [t.name, t.name]));
  return {
    name: spec.name,
    platform: 'ensemble',
    max_batch_size: spec.maxBatchSize,
    input: spec.inputs.map(tensorConfig),
    output: spec.outputs.map(tensorConfig),
    ensemble_scheduling: {
      // model_version -1: the highest version each step serves.
      step: steps.map(({ spec: step }) => ({ model_name: step.name, model_version: -1, input_map: byName(step.inputs), output_map: byName(step.outputs) })),
    },
  };
}

/** The ModelConfig in Triton's JSON form, fields in the order a reader expects them. */
export function modelConfigJson(spec: Spec): PbJsonObject {
  if (spec.template === 'ensemble') return ensembleConfigJson(spec);
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
    parameters: spec.parameters.length > 0 ? Object.fromEntries(spec.parameters.map(([key, value]) => [key, { string_value: value }])) : undefined,
  };
}

const HEADER = `# Triton model configuration (protobuf text format, message inference.ModelConfig).
# Everything the model loads is inside this folder (model.py finds its files in <version>/assets/),
# so the folder serves as it is from the image, a volume, s3://, gs:// or a KServe storageUri.
`;

const ENSEMBLE_HEADER = `# Triton model configuration (protobuf text format, message inference.ModelConfig) of an ensemble:
# Triton runs each step when the tensors it takes are there. In input_map and output_map the key is
# the step model's tensor name and the value the ensemble's.
`;

export function renderConfig(spec: Spec): string {
  return (spec.template === 'ensemble' ? ENSEMBLE_HEADER : HEADER) + '\n' + printTextProto(modelConfigJson(spec));
}
