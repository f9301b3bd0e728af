/**
 * Ensembles in serve, run as Triton's ensemble scheduler runs them: each step once the tensors it
 * takes are there, its inputs and outputs renamed through input_map/output_map (key: the step
 * model's tensor, value: the ensemble's), each step request checked against the step model as any
 * request is (prepareRequest), the client answered with the ensemble's outputs. A step's error ends
 * the request with its code and message, prefixed as Triton prefixes it: `in ensemble '<name>', `.
 * Like Triton's, the answer carries the sequence parameters of the ensemble scheduler.
 */

import { asArray, asObject } from '../pbtxt/json.js';
import type { PbJsonObject } from '../pbtxt/printer.js';
import { TritonError } from './errors.js';
import type { PreparedRequest, RequestTensor } from './request.js';
import { RESPONSE_COMPLETE_FINAL, type ModelResponse } from './worker.js';

export interface EnsembleStep {
  model: string;
  /** The version the step names; undefined for -1, the highest ready one. */
  version?: string;
  /** Step model's tensor -> ensemble tensor. */
  inputMap: [string, string][];
  outputMap: [string, string][];
}

/** The steps of an ensemble config, in an order where each comes after the steps writing what it takes; a problem when there is none. */
export function ensembleSteps(config: PbJsonObject): { steps: EnsembleStep[] } | { problem: string } {
  const entries = (map: unknown) => Object.entries(asObject(map as PbJsonObject)).map(([key, value]): [string, string] => [key, String(value)]);
  const declared = asArray(asObject(config.ensemble_scheduling).step).map((raw) => {
    const step = asObject(raw);
    const version = Number(step.model_version ?? -1);
    return { model: String(step.model_name ?? ''), ...(version > 0 ? { version: String(version) } : {}), inputMap: entries(step.input_map), outputMap: entries(step.output_map) };
  });
  const available = new Set(asArray(config.input).map((tensor) => String(asObject(tensor).name)));
  const steps: EnsembleStep[] = [];
  let pending = declared;
  while (pending.length > 0) {
    const ready = pending.filter((step) => step.inputMap.every(([, tensor]) => available.has(tensor)));
    if (ready.length === 0) return { problem: `ensemble ${String(config.name)}: no step can run with the tensors ${[...available].join(', ')} (validate names what is not connected)` };
    for (const step of ready) {
      steps.push(step);
      for (const [, tensor] of step.outputMap) available.add(tensor);
    }
    pending = pending.filter((step) => !ready.includes(step));
  }
  return { steps };
}

/** One step's run: its model's first response (with its error, if any); a TritonError when it could not run. */
export type StepRunner = (step: EnsembleStep, request: PreparedRequest) => Promise<ModelResponse>;

/** The sequence parameters Triton's ensemble scheduler adds to every answer. */
const ENSEMBLE_PARAMETERS = { sequence_id: 0, sequence_start: false, sequence_end: false };

/** Run `request` through the ensemble's steps; the one response the client gets. */
export async function runEnsemble(name: string, steps: EnsembleStep[], request: PreparedRequest, runStep: StepRunner): Promise<ModelResponse> {
  const failed = (error: TritonError): ModelResponse => ({
    present: true,
    flags: RESPONSE_COMPLETE_FINAL,
    outputs: [],
    parameters: {},
    error: new TritonError(error.code, `in ensemble '${name}', ${error.message}`),
  });
  const tensors = new Map<string, RequestTensor>(request.inputs.map((tensor) => [tensor.name, tensor]));
  for (const step of steps) {
    const stepRequest: PreparedRequest = {
      ...request,
      inputs: step.inputMap.flatMap(([key, tensor]) => {
        const value = tensors.get(tensor);
        return value ? [{ ...value, name: key }] : [];
      }),
      requested: step.outputMap.map(([key]) => key),
    };
    let response: ModelResponse;
    try {
      response = await runStep(step, stepRequest);
    } catch (error) {
      if (error instanceof TritonError) return failed(error);
      throw error;
    }
    if (response.error) return failed(response.error);
    for (const [key, tensor] of step.outputMap) {
      const output = response.outputs.find((candidate) => candidate.name === key);
      if (!output) return failed(new TritonError('INTERNAL', `model '${step.model}' did not return output '${key}'`));
      tensors.set(tensor, { ...output, name: tensor });
    }
  }
  const outputs = request.requested.flatMap((output) => {
    const tensor = tensors.get(output);
    return tensor ? [tensor] : [];
  });
  return { present: true, flags: RESPONSE_COMPLETE_FINAL, outputs, parameters: { ...ENSEMBLE_PARAMETERS } };
}

/** What an ensemble's load knows of a step model: its load in progress, and whether a version can run. */
export interface StepModel {
  /** Its load in progress, read afresh: a reload replaces it. */
  loading: () => Promise<unknown> | undefined;
  isEnsemble: boolean;
  usable: () => boolean;
}

/**
 * The step models an ensemble cannot run on once their loads settle: absent, or with no usable version.
 * Every model's load starts in the same turn as the ensemble's, so the steps are known after it.
 */
export async function unavailableSteps(ensemble: string, steps: EnsembleStep[], lookup: (model: string) => StepModel | undefined): Promise<string[]> {
  await new Promise((resolve) => setImmediate(resolve));
  const missing: string[] = [];
  for (const model of new Set(steps.map((step) => step.model))) {
    const step = lookup(model);
    // Another ensemble may wait for this one: only Python steps are waited for.
    for (let load = step?.loading(); load && !step?.isEnsemble && model !== ensemble; load = step?.loading()) await load.catch(() => undefined);
    if (!step || !step.usable()) missing.push(model);
  }
  return missing;
}
