/**
 * Triton's load-time rules for one parsed config.pbtxt, each finding at the token it is about.
 * The rules and, where it helps a user search, the wording come from Triton's own sources
 * (triton-inference-server/core: model_config_utils.cc ValidateModelConfig, ValidateIOShape,
 * ValidateBatchIO, ValidateInstanceGroup, ValidateEnsembleSchedulingConfig,
 * AutoCompleteBackendFields; model_repository_manager.cc for the directory name) and Triton's model
 * configuration documentation (docs/user_guide/model_configuration.md). Triton appends " for <model>" to most of
 * its messages; the file path says which model here.
 *
 * The rules are grouped by what they are about: config-backend.ts, config-tensors.ts,
 * config-scheduling.ts, config-ensemble.ts; here the rest (parameters, caches, metrics, the version
 * policy) and checkConfig, which runs them in Triton's order. What needs the model folder (versions,
 * model files, other models of an ensemble) is checked in ./model.ts, from the summary this returns.
 */

import { getField, lastValue, mapEntries, type ParsedMessage, type ParsedValue } from '../pbtxt/message.js';
import type { FindingList, Position } from './findings.js';
import type { ConfigContext, ModelSummary, VersionPolicySummary } from './config-summary.js';
import { boolOf, has, messageOf, messagesOf, numberOf, numbersOf, quoted, start, stringOf, TOP, valuesOf } from './config-fields.js';
import { checkBackend } from './config-backend.js';
import { checkEnsemble } from './config-ensemble.js';
import { checkDynamicBatching, checkInstanceGroups, checkSequenceBatching } from './config-scheduling.js';
import { checkBatchDimension, checkBatchIo, checkTensorNames, checkTensors, normaliseRelative } from './config-tensors.js';
import { checkBf16 } from './config-release.js';
import { checkWarmup } from './config-warmup.js';

export type { ConfigContext, EnsembleStepSummary, ModelSummary, TensorSummary, VersionPolicySummary } from './config-summary.js';

const MODEL_DIRECTORY_VARIABLE = '$$TRITON_MODEL_DIRECTORY/';

/** A relative path that climbs out of the folder it is read from (`../../assets`). Absolute paths and URLs are deliberate choices, not flagged. */
function climbsOut(value: string): boolean {
  if (value.startsWith('/') || /^[A-Za-z][A-Za-z0-9+.-]*:/.test(value)) return false;
  let depth = 0;
  for (const part of value.split('/')) {
    if (part === '..') depth -= 1;
    else if (part !== '' && part !== '.') depth += 1;
    if (depth < 0) return true;
  }
  return false;
}

/**
 * A parameter naming a path outside the model folder (projects made before models held their assets had
 * assets_dir "../../assets"): Triton copies a model folder alone from s3://, gs:// or a KServe storageUri,
 * and a volume may hold only the models, so the path finds nothing there. The fix: the files inside the
 * model folder, in the version folder beside model.py, and the path given from the model folder.
 */
function checkPortablePath(key: string, value: string, at: Position | undefined, context: ConfigContext, findings: FindingList): void {
  // The Python backend's own spelling of the model folder (EXECUTION_ENV_PATH) counts as the folder itself.
  const prefix = value.startsWith(MODEL_DIRECTORY_VARIABLE) ? MODEL_DIRECTORY_VARIABLE : '';
  const relative = value.slice(prefix.length);
  if (!climbsOut(relative)) return;
  const version = context.newestVersionFolder ?? '1';
  const name = relative.split('/').filter((part) => part !== '' && part !== '.' && part !== '..').at(-1) ?? 'assets';
  findings.warning(
    at,
    'outside-model-folder',
    `parameter '${key}' is "${value}", a path outside the model folder: a model folder served alone (copied by Triton from s3://, gs:// or a KServe storageUri, or on a volume holding only the models) cannot reach it; move what it names into the model folder, e.g. ${context.folderName}/${version}/${name}, and set the parameter to "${prefix}${version}/${name}"`,
  );
}

function checkParameters(config: ParsedMessage, backend: string, context: ConfigContext, findings: FindingList): void {
  const field = getField(config, 'parameters');
  if (!field) return;
  const seen = new Map<string, Position>();
  for (const entry of mapEntries(field)) {
    const key = String(entry.key);
    const at = entry.entry.at;
    if (key === '') findings.warning(at, 'parameters', 'parameter without a key (write key: "name")');
    const previous = seen.get(key);
    if (previous) findings.warning(at, 'parameters', `parameter '${key}' is set again (first at line ${previous.line}): the last value wins`);
    seen.set(key, at);
    const parameter = entry.value?.value as ParsedMessage | undefined;
    if (!parameter || !has(parameter, 'string_value')) {
      findings.warning(at, 'parameters', `parameter '${key}' has no value { string_value: "..." }: model.py reads it as ""`);
      continue;
    }
    const value = stringOf(parameter, 'string_value');
    const valueAt = start(lastValue(parameter, 'string_value'));
    checkPortablePath(key, value, valueAt, context, findings);
    if (backend !== 'python') continue;
    if (key === 'FORCE_CPU_ONLY_INPUT_TENSORS' && value !== 'yes' && value !== 'no') {
      findings.warning(valueAt, 'parameters', `FORCE_CPU_ONLY_INPUT_TENSORS is "${value}": the Python backend understands "yes" (default) or "no"`);
    }
    if (key === 'EXECUTION_ENV_PATH') {
      const prefix = MODEL_DIRECTORY_VARIABLE;
      if (value.startsWith(prefix)) {
        const relative = normaliseRelative(value.slice(prefix.length));
        if (relative !== undefined && context.pathExists(relative) === false) {
          findings.error(valueAt, 'parameters', `EXECUTION_ENV_PATH: '${value.slice(prefix.length)}' does not exist in the model folder, and the Python backend fails to load the model without it ("Failed to get the canonical path")`);
        }
      }
    }
  }
}

function checkResponseCache(config: ParsedMessage, findings: FindingList): void {
  const cache = messageOf(config, 'response_cache');
  const policy = messageOf(config, 'model_transaction_policy');
  if (cache && boolOf(cache, 'enable') && policy && boolOf(policy, 'decoupled')) {
    findings.error(start(lastValue(cache, 'enable')), 'response-cache', "Response Cache does not currently support models with 'decoupled' transaction policy. Please disable the response cache.");
  }
}

function checkModelMetrics(config: ParsedMessage, findings: FindingList): void {
  const metrics = messageOf(config, 'model_metrics');
  if (!metrics) return;
  for (const { value, message: control } of messagesOf(metrics, 'metric_control')) {
    const identifier = messageOf(control, 'metric_identifier');
    const histogram = messageOf(control, 'histogram_options');
    if (!identifier) findings.error(value.at, 'model-metrics', "metric control must specify 'metric_identifier'");
    else if (stringOf(identifier, 'family') === '') findings.error(lastValue(control, 'metric_identifier')?.at, 'model-metrics', "metric identifier must specify non-empty 'family'");
    if (!histogram) findings.error(value.at, 'model-metrics', "metric control must specify 'histogram_options'");
    else if (valuesOf(histogram, 'buckets').length === 0) findings.error(lastValue(control, 'histogram_options')?.at, 'model-metrics', "histogram options must specify non-empty 'buckets'");
  }
}

function versionPolicyOf(config: ParsedMessage): VersionPolicySummary {
  const policy = messageOf(config, 'version_policy');
  const latest = policy && lastValue(policy, 'latest');
  if (!policy || (!latest && !has(policy, 'all') && !has(policy, 'specific'))) return { kind: 'latest', numVersions: 1 };
  if (latest) {
    const numValue = lastValue(latest.value as ParsedMessage, 'num_versions');
    return { kind: 'latest', numVersions: numValue ? Number(numValue.value) : 0, at: numValue?.at ?? latest.at };
  }
  if (has(policy, 'all')) return { kind: 'all' };
  const specific = lastValue(policy, 'specific') as ParsedValue;
  return { kind: 'specific', versions: numbersOf(specific.value as ParsedMessage, 'versions').map((v) => ({ version: v.number, at: v.at })), at: specific.at };
}

// ------------------------------------------------------------------------------------------------

/** Every config-only rule; returns what the folder-level checks need. */
export function checkConfig(config: ParsedMessage, context: ConfigContext, findings: FindingList): ModelSummary {
  const nameValue = lastValue(config, 'name');
  const configName = stringOf(config, 'name');
  // An empty name is no name: Triton takes the folder's.
  if (configName !== '' && configName !== context.folderName) {
    findings.error(nameValue?.at, 'name-mismatch', `unexpected directory name '${context.folderName}' for model '${configName}', directory name must equal model name`);
  }
  const name = configName || context.folderName;
  if (name === 'stats') findings.warning(nameValue?.at, 'model-name', "a model named 'stats' cannot be reached over HTTP: /v2/models/stats is Triton's statistics endpoint");

  const { backend, platform, defaultModelFilename } = checkBackend(config, context, name, findings);

  const maxBatchValue = lastValue(config, 'max_batch_size');
  const maxBatchSize = numberOf(config, 'max_batch_size');
  if (maxBatchSize < 0) findings.error(maxBatchValue?.at, 'max-batch-size', `'max_batch_size' must be non-negative value (got ${maxBatchSize})`);
  const batchSize = Math.max(0, maxBatchSize);

  const inputs = checkTensors(config, 'input', batchSize, platform, context, findings);
  const outputs = checkTensors(config, 'output', batchSize, platform, context, findings);
  checkTensorNames(inputs, outputs, findings);
  checkBatchDimension(batchSize, maxBatchValue?.at, [...inputs, ...outputs], findings);

  if (backend === 'python') {
    // Without auto_complete_config nothing adds tensors: Triton loads a model without inputs or outputs all the same.
    const missing = [...(inputs.length === 0 && !has(config, 'input') ? ['input'] : []), ...(outputs.length === 0 && !has(config, 'output') ? ['output'] : [])];
    if (context.autoCompleteFile) {
      const left = [...missing, ...(maxBatchValue ? [] : ['max_batch_size'])];
      if (left.length > 0) {
        findings.warning(TOP, 'auto-complete', `no ${left.map(quoted).join(', ')} in config.pbtxt: left to auto_complete_config in ${context.autoCompleteFile} (checked only when Triton loads the model)`);
      }
    } else {
      const consequence = { input: 'it takes no inputs', output: 'every response it gives is empty' };
      for (const side of missing) {
        findings.warning(TOP, 'tensor', `no '${side}' tensors: Triton loads the model, and ${consequence[side as 'input' | 'output']} (declare them in config.pbtxt, or have model.py define auto_complete_config to add them)`);
      }
    }
    checkBf16([...inputs, ...outputs], backend, context.release, findings);
  }

  checkDynamicBatching(config, batchSize, context, findings);
  checkSequenceBatching(config, batchSize, findings);
  const ensembleSteps = checkEnsemble(config, name, platform, findings);
  if (!has(config, 'ensemble_scheduling')) checkInstanceGroups(config, name, platform, findings);
  checkBatchIo(config, inputs, outputs, findings);
  if (platform !== 'ensemble') checkWarmup(config, inputs, batchSize, context, findings);
  checkParameters(config, backend, context, findings);
  checkResponseCache(config, findings);
  checkModelMetrics(config, findings);

  const policy = messageOf(config, 'model_transaction_policy');
  return {
    name,
    backend,
    platform,
    defaultModelFilename,
    maxBatchSize: batchSize,
    ...(maxBatchValue ? { maxBatchSizeAt: maxBatchValue.at } : {}),
    inputs,
    outputs,
    decoupled: policy !== undefined && boolOf(policy, 'decoupled'),
    versionPolicy: versionPolicyOf(config),
    ...(ensembleSteps ? { ensembleSteps } : {}),
  };
}
