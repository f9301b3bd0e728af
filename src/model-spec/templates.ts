/** What each template brings: its defaults and its rules. The files themselves live in templates/<name>/. */

import type { TemplateName, TensorSpec } from './fields.js';

/**
 * A template that generates several models: an ensemble (preprocess, model, postprocess and the
 * ensemble wiring them) or a BLS caller with the model it calls. Both ask, beside what the client
 * sends and gets, what the model in the middle sees: `modelInputs` and `modelOutputs`.
 */
export type Pipeline = 'ensemble' | 'bls';

/** What each model of a project is: the one a template names (`main`), or a part of its pipeline. */
export type ModelRole = 'main' | 'preprocess' | 'model' | 'postprocess' | 'target';

/** What each generated model's name adds to the Spec's name (src/model-spec/pipeline.ts). */
export const ROLE_SUFFIX: Record<Exclude<ModelRole, 'main'>, string> = {
  preprocess: '_preprocess',
  model: '_model',
  postprocess: '_postprocess',
  target: '_model',
};

/** The longest suffix a pipeline adds to its name. */
export const LONGEST_SUFFIX = Math.max(...Object.values(ROLE_SUFFIX).map((suffix) => suffix.length));

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
  /** Several models wired together; null for a template of one model. */
  pipeline: Pipeline | null;
  /** Pipelines: the tensors of the model in the middle, when not given. */
  defaultModelInputs: TensorSpec[];
  defaultModelOutputs: TensorSpec[];
}

const fp32 = (name: string): TensorSpec => ({ name, dataType: 'FP32', dims: [4] });
/**
 * A pipeline's default tensors: raw -> features -> scores -> result, all FP32 [4], so that every
 * generated step passes its data on and `--yes` gives a pipeline that answers end to end.
 */
const PIPELINE_TENSORS = { defaultInputs: [fp32('raw')], defaultOutputs: [fp32('result')], defaultModelInputs: [fp32('features')], defaultModelOutputs: [fp32('scores')] };
const ONE_MODEL = { pipeline: null, defaultModelInputs: [], defaultModelOutputs: [] };

export const TEMPLATES: Record<TemplateName, TemplateInfo> = {
  'image-stub': {
    name: 'image-stub',
    summary: 'reference example: a text-to-image stub that answers with the picture in its assets/',
    defaultModelName: 'dumb_stub',
    defaultInputs: [{ name: 'prompt', dataType: 'STRING', dims: [1] }],
    defaultOutputs: [{ name: 'image', dataType: 'UINT8', dims: [-1, -1, 3] }],
    requirements: ['opencv-python-headless==4.10.0.82'],
    fixedTensors: true,
    decoupled: false,
    ...ONE_MODEL,
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
    ...ONE_MODEL,
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
    ...ONE_MODEL,
  },
  ensemble: {
    name: 'ensemble',
    summary: 'preprocess, model and postprocess as three Python models, wired by an ensemble',
    defaultModelName: 'my_ensemble',
    requirements: [],
    fixedTensors: false,
    decoupled: false,
    pipeline: 'ensemble',
    ...PIPELINE_TENSORS,
  },
  bls: {
    name: 'bls',
    summary: 'a Python model that calls another model of the repository through BLS (business logic scripting)',
    defaultModelName: 'my_bls',
    requirements: [],
    fixedTensors: false,
    decoupled: false,
    pipeline: 'bls',
    ...PIPELINE_TENSORS,
  },
};

/** `name:TYPE:dims`, the flag spelling of a tensor. */
export function tensorToFlag(tensor: TensorSpec): string {
  return `${tensor.name}:${tensor.dataType}:${tensor.dims.join(',')}`;
}
