/**
 * A model's config.pbtxt as Triton reads it when it loads the model: parsed by src/pbtxt/ (a syntax
 * or schema error is its first diagnostic, with its place), the name checked against the folder,
 * the declared tensors checked with Triton's load-time messages, and the versions its
 * version_policy selects among the version folders the reader found.
 */

import { asArray, asObject, toJson } from '../pbtxt/json.js';
import type { ParsedMessage } from '../pbtxt/message.js';
import { parseTextProto } from '../pbtxt/parser.js';
import type { PbJsonObject } from '../pbtxt/printer.js';
import { dataTypeFromConfigEnum } from '../model-spec/dtypes.js';
import type { TensorSpec } from '../model-spec/fields.js';
import type { ModelFolder } from './read.js';

export type ModelConfig =
  /** `json`: what the text says (toJson), before Triton's defaults. */
  | { ok: true; message: ParsedMessage; json: PbJsonObject }
  /** Why Triton would refuse the model, in one line starting with the file and place when there is one. */
  | { ok: false; missing: boolean; problem: string };

/** `models/<folder>/config.pbtxt`: the repository's own folder name, then the model's. */
export const configFileOf = (model: ModelFolder) => `${model.repositoryName}/${model.name}/config.pbtxt`;

export function readModelConfig(model: ModelFolder): ModelConfig {
  const configFile = configFileOf(model);
  if (model.config === 'missing') return { ok: false, missing: true, problem: `${configFile}: no such file` };
  if (model.configText === undefined) {
    const error = model.readErrors.find((e) => e.path === 'config.pbtxt');
    return { ok: false, missing: false, problem: `${configFile}: ${error?.message ?? 'cannot be read'}` };
  }
  const { message, diagnostics } = parseTextProto(model.configText);
  const first = diagnostics[0];
  if (first || !message) return { ok: false, missing: false, problem: `${configFile}:${first?.line ?? 1}:${first?.column ?? 1}: ${first?.message ?? 'cannot be read'}` };
  const json = toJson(message);
  if (typeof json.name === 'string' && json.name !== '' && json.name !== model.name) {
    return { ok: false, missing: false, problem: `unexpected directory name '${model.name}' for model '${json.name}', directory name must equal model name` };
  }
  return { ok: true, message, json };
}

/** What Triton refuses in the declared tensors and the batch size when it loads the model (ValidateModelIOConfig), in its words. */
export function tensorProblems(config: PbJsonObject): string[] {
  const problems: string[] = [];
  const maxBatchSize = Number(config.max_batch_size ?? 0);
  if (maxBatchSize < 0) problems.push(`max_batch_size must be >= 0, got ${maxBatchSize}`);
  for (const field of ['input', 'output'] as const) {
    const seen = new Set<string>();
    for (const entry of asArray(config[field])) {
      const tensor = asObject(entry);
      const name = typeof tensor.name === 'string' ? tensor.name : '';
      if (name === '') {
        problems.push(`model ${field} must specify 'name'`);
        continue;
      }
      if (seen.has(name)) problems.push(`model ${field} '${name}' is declared twice`);
      seen.add(name);
      if (!dataTypeFromConfigEnum(String(tensor.data_type ?? 'TYPE_INVALID'))) problems.push(`model ${field} '${name}' must specify 'data_type'`);
      const dims = asArray(tensor.dims).map(Number);
      if (dims.length === 0) problems.push(`model ${field} '${name}' must specify 'dims'`);
      else if (dims.some((d) => d !== -1 && d < 1)) {
        problems.push(`model ${field} '${name}' dimension must be integer >= 1, or -1 to indicate a variable-size dimension`);
      }
    }
  }
  return problems;
}

/** The declared tensors of a config without tensorProblems, as the Spec's tensors (name, data type, dims). */
export function declaredTensors(config: PbJsonObject, field: 'input' | 'output'): TensorSpec[] {
  return asArray(config[field]).map((entry) => {
    const tensor = asObject(entry);
    return { name: String(tensor.name ?? ''), dataType: dataTypeFromConfigEnum(String(tensor.data_type ?? 'TYPE_INVALID')) ?? 'FP32', dims: asArray(tensor.dims).map(Number) };
  });
}

/** The versions Triton loads under `policy` (latest 1 by default) among the `available` ones, lowest first. */
export function versionsUnderPolicy(available: readonly number[], policy: PbJsonObject): number[] {
  const ascending = [...new Set(available)].sort((a, b) => a - b);
  if (policy.all !== undefined) return ascending;
  if (policy.specific !== undefined) {
    const wanted = new Set(asArray(asObject(policy.specific).versions).map(Number));
    return ascending.filter((version) => wanted.has(version));
  }
  const count = Math.max(1, Number(asObject(policy.latest).num_versions ?? 1));
  return ascending.slice(-count);
}
