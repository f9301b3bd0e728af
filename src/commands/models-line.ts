/** How create and add-model name what they wrote: one model, or a pipeline and its models. */

import { generatedModelNames } from '../model-spec/pipeline.js';
import type { Spec } from '../model-spec/spec.js';
import { color } from '../ui/output.js';

/** `model x (template t)`, or for a pipeline `ensemble x (template ensemble: x, x_preprocess, ...)`: what a success line names. */
export function modelsLine(spec: Spec): string {
  const names = generatedModelNames(spec);
  if (names.length === 1) return `model ${color.bold(spec.name)} (template ${spec.template})`;
  return `${spec.template === 'ensemble' ? 'ensemble' : 'model'} ${color.bold(spec.name)} (template ${spec.template}: models ${names.join(', ')})`;
}
