/** What each template brings: its defaults and its rules. The files themselves live in templates/<name>/. */

import type { TemplateName, TensorSpec } from './fields.js';

export interface TemplateInfo {
  name: TemplateName;
  summary: string;
  defaultModelName: string;
  defaultInputs: TensorSpec[];
  defaultOutputs: TensorSpec[];
  /** Requirements the template's model.py imports; the user's own come on top. */
  requirements: string[];
  /** The template only works with exactly its default tensors. */
  fixedTensors: boolean;
  /** The model answers through the response sender (model_transaction_policy { decoupled: true }). */
  decoupled: boolean;
}

export const TEMPLATES: Record<TemplateName, TemplateInfo> = {
  'image-stub': {
    name: 'image-stub',
    summary: 'reference example: a text-to-image stub that answers with assets/image.jpg',
    defaultModelName: 'dumb_stub',
    defaultInputs: [{ name: 'prompt', dataType: 'STRING', dims: [1] }],
    defaultOutputs: [{ name: 'image', dataType: 'UINT8', dims: [-1, -1, 3] }],
    requirements: ['opencv-python-headless==4.10.0.82'],
    fixedTensors: true,
    decoupled: false,
  },
  blank: {
    name: 'blank',
    summary: 'any tensors: reads every input, answers every output, a TODO where your model goes',
    defaultModelName: 'my_model',
    defaultInputs: [{ name: 'INPUT0', dataType: 'FP32', dims: [4] }],
    defaultOutputs: [{ name: 'OUTPUT0', dataType: 'FP32', dims: [4] }],
    requirements: [],
    fixedTensors: false,
    decoupled: false,
  },
  decoupled: {
    name: 'decoupled',
    summary: 'streams several responses per request through the response sender',
    defaultModelName: 'my_stream_model',
    // The names Triton's generate extension examples and its streaming clients use.
    defaultInputs: [{ name: 'text_input', dataType: 'STRING', dims: [1] }],
    defaultOutputs: [{ name: 'text_output', dataType: 'STRING', dims: [1] }],
    requirements: [],
    fixedTensors: false,
    decoupled: true,
  },
};

/** `name:TYPE:dims`, the flag spelling of a tensor. */
export function tensorToFlag(tensor: TensorSpec): string {
  return `${tensor.name}:${tensor.dataType}:${tensor.dims.join(',')}`;
}
