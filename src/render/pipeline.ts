/**
 * What the models of a pipeline (src/model-spec/pipeline.ts) say about their part in it: the first
 * line of their docstring, and which placeholder passes on which tensor. Pure.
 */

import type { TensorSpec } from '../model-spec/fields.js';
import type { GeneratedModel } from '../model-spec/pipeline.js';
import { generatedModels } from '../model-spec/pipeline.js';
import type { Spec } from '../model-spec/spec.js';

/**
 * For each tensor of `targets`, the name of the first tensor of `sources` not taken yet with the same
 * data type and dims: a generated step passes it on as its placeholder, so that data flows through
 * the whole pipeline until the steps are written.
 */
export function passThrough(targets: readonly TensorSpec[], sources: readonly TensorSpec[]): Map<string, string> {
  const taken = new Set<string>();
  const found = new Map<string, string>();
  for (const target of targets) {
    const source = sources.find((s) => !taken.has(s.name) && s.dataType === target.dataType && s.dims.join(',') === target.dims.join(',') && !s.reshape && !target.reshape);
    if (source) {
      taken.add(source.name);
      found.set(target.name, source.name);
    }
  }
  return found;
}

/** What a model is, after its name, on the first line of its model.py docstring. */
export function purposeOf(model: GeneratedModel, project: Spec): string {
  const [, ...others] = generatedModels(project);
  const name = (role: GeneratedModel['role']) => others.find((other) => other.role === role)?.spec.name ?? project.name;
  switch (model.role) {
    case 'preprocess':
      return `step 1 of 3 of the ensemble ${project.name}: turns what the client sends into what ${name('model')} takes.`;
    case 'model':
      return `step 2 of 3 of the ensemble ${project.name}: the model, between ${name('preprocess')} and ${name('postprocess')}.`;
    case 'postprocess':
      return `step 3 of 3 of the ensemble ${project.name}: turns what ${name('model')} answers into what the client gets.`;
    case 'target':
      return `the model ${project.name} calls through BLS (clients may call it directly too).`;
    default:
      return 'a Triton Python-backend model.';
  }
}
