/**
 * The models one Spec generates. A template of one model gives that model. A pipeline gives several,
 * each described by a Spec of its own (the project's settings, with its own name, template and
 * tensors), so that every later layer renders, checks and adds them the way it does one model:
 * - ensemble: the ensemble `<name>` (what the client sends and gets) and its three Python steps,
 *   `<name>_preprocess` (client inputs -> model inputs), `<name>_model` (model inputs -> model
 *   outputs) and `<name>_postprocess` (model outputs -> client outputs), each a blank model;
 * - bls: the caller `<name>` (client inputs -> client outputs, calling the other model through
 *   BLS in between) and the model it calls, `<name>_model` (model inputs -> model outputs).
 */

import type { Spec } from './spec.js';
import { ROLE_SUFFIX, type ModelRole } from './templates.js';

export type { ModelRole } from './templates.js';

export interface GeneratedModel {
  role: ModelRole;
  spec: Spec;
}

/** The main model first, then the others in the order data flows through them. */
export function generatedModels(spec: Spec): GeneratedModel[] {
  const part = (role: Exclude<ModelRole, 'main'>, inputs: Spec['inputs'], outputs: Spec['outputs']): GeneratedModel => ({
    role,
    spec: { ...spec, name: `${spec.name}${ROLE_SUFFIX[role]}`, template: 'blank', inputs, outputs, modelInputs: [], modelOutputs: [] },
  });
  if (spec.template === 'ensemble') {
    return [
      { role: 'main', spec },
      part('preprocess', spec.inputs, spec.modelInputs),
      part('model', spec.modelInputs, spec.modelOutputs),
      part('postprocess', spec.modelOutputs, spec.outputs),
    ];
  }
  if (spec.template === 'bls') return [{ role: 'main', spec }, part('target', spec.modelInputs, spec.modelOutputs)];
  return [{ role: 'main', spec }];
}

/** The names of the models a Spec generates: the folders it adds under models/. */
export function generatedModelNames(spec: Spec): string[] {
  return generatedModels(spec).map((model) => model.spec.name);
}

/** The model whose version folder holds the project's assets: the one that computes (a pipeline's `<name>_model`). */
export function assetsModel(spec: Spec): GeneratedModel {
  const models = generatedModels(spec);
  return models.find((model) => model.role === 'model' || model.role === 'target') ?? (models[0] as GeneratedModel);
}
