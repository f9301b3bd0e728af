/**
 * model_warmup: Triton builds each sample's requests when it loads the model (backend_model_instance.cc
 * GenerateWarmupData) and runs them through the same checks as a client's request
 * (InferenceRequest::Normalize); a sample that fails either fails the load. A sample with
 * batch_size 0 is skipped.
 */

import { getField, lastValue, mapEntries, type ParsedMessage } from '../pbtxt/message.js';
import type { FindingList } from './findings.js';
import type { ConfigContext, TensorSummary } from './config-summary.js';
import { dimsOf, enumOf, has, messagesOf, numberOf, start, stringOf, WILDCARD } from './config-fields.js';
import { normaliseRelative } from './config-tensors.js';

const DATA_FIELDS = ['zero_data', 'random_data', 'input_data_file'];
const shape = (dims: bigint[]) => `[${dims.join(',')}]`;

export function checkWarmup(config: ParsedMessage, inputs: TensorSummary[], maxBatchSize: number, context: ConfigContext, findings: FindingList): void {
  for (const { value, message: sample } of messagesOf(config, 'model_warmup')) {
    if (numberOf(sample, 'batch_size') === 0) continue;
    const sampleName = stringOf(sample, 'name');
    const where = `warmup sample '${sampleName}'`;
    const field = getField(sample, 'inputs');
    const given = new Set<string>();
    for (const entry of field ? mapEntries(field) : []) {
      const name = String(entry.key);
      const at = entry.entry.at;
      const input = entry.value?.value as ParsedMessage | undefined;
      given.add(name);
      if (!input) {
        findings.error(at, 'model-warmup', `${where}: warmup setting expects input '${name}' to have input_data_type set (zero_data, random_data or input_data_file)`);
        continue;
      }
      const dims = dimsOf(input, 'dims').map((d) => d.dim);
      if (dims.includes(WILDCARD)) {
        findings.error(at, 'model-warmup', `${where}: warmup setting expects all variable-size dimensions are specified for input '${name}'`);
        continue;
      }
      if (!DATA_FIELDS.some((data) => has(input, data))) {
        findings.error(at, 'model-warmup', `${where}: warmup setting expects input '${name}' to have input_data_type set (zero_data, random_data or input_data_file)`);
        continue;
      }
      if (has(input, 'input_data_file')) {
        const file = stringOf(input, 'input_data_file');
        const relative = normaliseRelative(`warmup/${file}`);
        if (relative === undefined || context.pathExists(relative) === false) {
          findings.error(start(lastValue(input, 'input_data_file')), 'model-warmup', `${where}: input '${name}' reads warmup/${file} in the model folder, which does not exist`);
          continue;
        }
      }
      // What the request check says of an input the model declares (others are control inputs, passed on).
      const declared = inputs.find((tensor) => tensor.name === name);
      if (!declared) continue;
      const dataType = enumOf(input, 'data_type', 'TYPE_INVALID');
      if (dataType !== declared.dataType) {
        findings.error(at, 'model-warmup', `${where}: input '${name}' is ${String(dataType)}, but the model declares ${String(declared.dataType)}`);
        continue;
      }
      const matches = dims.length === declared.dims.length && declared.dims.every((dim, i) => dim === WILDCARD || dim === dims[i]);
      if (!matches) {
        const expected = maxBatchSize > 0 ? [-1n, ...declared.dims] : declared.dims;
        const got = maxBatchSize > 0 ? [1n, ...dims] : dims;
        findings.error(at, 'model-warmup', `${where}: unexpected shape for input '${name}': the model expects ${shape(expected)}, the warmup request has ${shape(got)}`);
      }
    }
    const missing = inputs.filter((tensor) => !tensor.optional && !given.has(tensor.name)).map((tensor) => `'${tensor.name}'`);
    if (missing.length > 0) {
      findings.error(value.at, 'model-warmup', `${where} gives no data for the required input(s) ${missing.join(', ')}: Triton runs the warmup request when it loads the model, and it fails`);
    }
  }
}
