/** Spec -> config.pbtxt, through the protobuf text-format printer (never string templates: escaping must be exact). */

import { printTextProto, type PbJsonObject } from '../pbtxt/printer.js';
import { dataTypeInfo } from '../spec/dtypes.js';
import type { TensorSpec } from '../spec/fields.js';
import type { Spec } from '../spec/spec.js';
import { TEMPLATES } from '../spec/templates.js';

/** Relative to the model folder: /models/<name>/../../assets is /assets in the image, <project>/assets locally. */
export const ASSETS_DIR_FROM_MODEL = '../../assets';

const INSTANCE_KIND = { cpu: 'KIND_CPU', gpu: 'KIND_GPU', auto: 'KIND_AUTO' } as const;

function tensorConfig(tensor: TensorSpec): PbJsonObject {
  return { name: tensor.name, data_type: dataTypeInfo(tensor.dataType).config, dims: tensor.dims };
}

/** The ModelConfig in Triton's JSON form, fields in the order a reader expects them. */
export function modelConfigJson(spec: Spec): PbJsonObject {
  return {
    name: spec.name,
    backend: 'python',
    max_batch_size: spec.maxBatchSize,
    input: spec.inputs.map(tensorConfig),
    output: spec.outputs.map(tensorConfig),
    instance_group: [{ count: spec.instanceCount, kind: INSTANCE_KIND[spec.instanceKind] }],
    model_transaction_policy: TEMPLATES[spec.template].decoupled ? { decoupled: true } : undefined,
    parameters: { assets_dir: { string_value: ASSETS_DIR_FROM_MODEL } },
  };
}

const HEADER = `# Triton model configuration (protobuf text format, message inference.ModelConfig).
# The "assets_dir" parameter tells model.py where its files are, relative to this folder:
# ${ASSETS_DIR_FROM_MODEL} is /assets in the image and the project's assets/ folder locally.
`;

export function renderConfig(spec: Spec): string {
  return HEADER + '\n' + printTextProto(modelConfigJson(spec));
}
