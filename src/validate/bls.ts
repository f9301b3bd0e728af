/**
 * BLS requests (InferenceRequest(...).exec() in a Python model) against the models they call, as far
 * as model.py says without running it (python-scan.ts): the model named must be in the repository,
 * the outputs asked for must be its outputs, the tensors built for it must be its inputs with its
 * data types, and, when the inputs list is all written out, every input it requires must be there.
 * Triton checks none of this when it loads the caller: each would be an error response to every
 * request, worded as below (Triton's words at run time, after "Model <m> - Error when running inference: ").
 */

import { DATA_TYPES } from '../model-spec/dtypes.js';
import type { ModelSummary, TensorSummary } from './config-summary.js';
import { FindingList, type Finding } from './findings.js';
import type { BlsCallScan, PythonModelScan } from './python-scan.js';

/** numpy type names -> Triton's wire datatype (TYPE_ dropped; BYTES for strings): what a dtype written in model.py sends. */
const WIRE_OF_NUMPY = new Map<string, string>([
  ...DATA_TYPES.flatMap((type) => (type.numpy ? [[type.numpy.replace(/^np\./, ''), type.wire] as [string, string]] : [])),
  ['bool', 'BOOL'],
  ['object', 'BYTES'],
  ['bytes_', 'BYTES'],
  ['float', 'FP64'],
  ['double', 'FP64'],
  ['half', 'FP16'],
]);

const wireOf = (tensor: TensorSummary) => {
  const type = DATA_TYPES.find((t) => t.config === tensor.dataType || t.enumNumber === tensor.dataType);
  return type?.wire;
};

const names = (tensors: TensorSummary[]) => (tensors.length === 0 ? 'none' : tensors.map((t) => `'${t.name}'`).join(', '));

function checkCall(call: BlsCallScan, caller: string, models: Map<string, ModelSummary>, findings: FindingList): void {
  if (call.model === undefined || call.model === caller) return;
  const target = models.get(call.model);
  if (!target) {
    findings.error(call.modelAt ?? call, 'bls', `InferenceRequest(model_name="${call.model}"): no model '${call.model}' in this repository: Triton answers every such request "Failed for execute the inference request. Model '${call.model}' is not ready."`);
    return;
  }
  // auto_complete_config may declare the tensors: nothing to compare with.
  if (target.inputs.length === 0 && target.outputs.length === 0) return;
  for (const output of call.outputs ?? []) {
    if (!target.outputs.some((t) => t.name === output.name)) {
      findings.error(output, 'bls', `unexpected inference output '${output.name}' for model '${call.model}' (its outputs: ${names(target.outputs)})`);
    }
  }
  for (const input of call.inputs) {
    const declared = target.inputs.find((t) => t.name === input.name);
    if (!declared) {
      findings.error(input, 'bls', `unexpected inference input '${input.name}' for model '${call.model}' (its inputs: ${names(target.inputs)})`);
      continue;
    }
    const sent = input.numpyType === undefined ? undefined : WIRE_OF_NUMPY.get(input.numpyType);
    const expected = wireOf(declared);
    if (sent !== undefined && expected !== undefined && sent !== expected) {
      findings.error(input, 'bls', `inference input '${input.name}' data-type is '${sent}' (numpy ${input.numpyType}), but model '${call.model}' expects '${expected}'`);
    }
  }
  if (call.inputsComplete) {
    const missing = target.inputs.filter((t) => !t.optional && !call.inputs.some((input) => input.name === t.name));
    if (missing.length > 0) {
      findings.error(call, 'bls', `InferenceRequest to '${call.model}' does not send its required input(s) ${names(missing)}: Triton refuses the request ("missing required input(s)")`);
    }
  }
}

/** Findings about the BLS requests in one model's Python files (`scans`, by path in the repository), against the repository's models by name. */
export function checkBlsCalls(caller: string, scans: { file: string; scan: PythonModelScan }[], models: Map<string, ModelSummary>): Finding[] {
  return scans.flatMap(({ file, scan }) => {
    const findings = new FindingList(file);
    for (const call of scan.blsCalls) checkCall(call, caller, models, findings);
    return findings.items;
  });
}
