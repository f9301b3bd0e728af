/**
 * Checks of one model folder (config.pbtxt, version folders, model files, the Python model's
 * class and tensor names) and of the repository as a whole (ensemble steps against the models
 * they call). Pure: everything comes from the snapshot of ./repository.ts.
 */

import { parseTextProto, type Diagnostic } from '../pbtxt/parser.js';
import { checkConfig, type ModelSummary, type TensorSummary } from './config.js';
import { FindingList, sortFindings, type Finding } from './findings.js';
import { scanPythonModel, type PythonModelScan, type TensorRef } from './python-scan.js';
import { pathExists, type DirEntry, type ModelFolder, type RepositorySnapshot, type VersionFolder } from '../repository/read.js';

export interface CheckedModel {
  folder: ModelFolder;
  summary?: ModelSummary;
  /** auto_complete_config may add tensors the config does not list. */
  autoComplete: boolean;
}

/** How a protobuf parse diagnostic is classified, for scripts. */
function parseDiagnosticCode(diagnostic: Diagnostic): string {
  const message = diagnostic.message;
  if (message.includes('has no field named')) return 'unknown-field';
  if (message.startsWith('unknown data type')) return 'unknown-data-type';
  if (message.startsWith('unknown value ')) return 'unknown-enum-value';
  if (message.includes('is specified multiple times')) return 'duplicate-field';
  if (message.includes('another member of oneof')) return 'oneof';
  if (message.startsWith('Integer out of range')) return 'value-range';
  if (message.includes('invalid UTF-8')) return 'invalid-utf8';
  if (/^(Expected (integer|double|string|integer or identifier), got|Invalid value for boolean|Expect a decimal number)/.test(message)) return 'value-type';
  return 'syntax';
}

const KNOWN_MODEL_FILES: Record<string, string> = { tensorrt: 'model.plan', onnxruntime: 'model.onnx', pytorch: 'model.pt', openvino: 'model.xml', tensorflow: 'model.graphdef' };

function quotedList(names: string[]): string {
  return names.length === 0 ? 'none' : names.map((n) => `'${n}'`).join(', ');
}

function checkTensorRef(ref: TensorRef, scan: PythonModelScan, inputs: TensorSummary[], outputs: TensorSummary[], findings: FindingList): void {
  const inputNames = inputs.map((t) => t.name);
  const outputNames = outputs.map((t) => t.name);
  const isInput = inputNames.includes(ref.name);
  const isOutput = outputNames.includes(ref.name);
  const other = (side: string) => (side === 'input' ? (isOutput ? ` ('${ref.name}' is an output)` : '') : isInput ? ` ('${ref.name}' is an input)` : '');
  const at = { line: ref.line, column: ref.column };
  const call = `${ref.call}(..., "${ref.name}")`;
  switch (ref.kind) {
    case 'input':
      if (!isInput) findings.warning(at, 'python-tensor-name', `${call}: no input '${ref.name}' in config.pbtxt${other('input')}, so it returns None (inputs: ${quotedList(inputNames)})`);
      break;
    case 'input-config':
      if (!isInput) findings.warning(at, 'python-tensor-name', `${call}: no input '${ref.name}' in config.pbtxt${other('input')}, so it returns None (inputs: ${quotedList(inputNames)})`);
      break;
    case 'output-config':
      if (!isOutput) findings.warning(at, 'python-tensor-name', `${call}: no output '${ref.name}' in config.pbtxt${other('output')}, so it returns None (outputs: ${quotedList(outputNames)})`);
      break;
    case 'output':
      // A model calling other models (BLS) builds their input tensors too.
      if (!isOutput && !isInput && !scan.callsOtherModels) {
        findings.warning(
          at,
          'python-tensor-name',
          `${ref.call}("${ref.name}", ...): no output '${ref.name}' in config.pbtxt: the Python backend drops tensors that are not declared outputs (outputs: ${quotedList(outputNames)})`,
        );
      }
      break;
  }
}

function checkPythonScan(scan: PythonModelScan, summary: ModelSummary | undefined, autoComplete: boolean, findings: FindingList): void {
  if (scan.problem) {
    findings.warning(scan.problem, 'python-scan', `cannot read the rest of this file (${scan.problem.message}); Python will refuse it too`);
  }
  if (!scan.modelClass) {
    findings.error(undefined, 'python-class', 'defines no class TritonPythonModel: the Python backend loads the class of that name from this file');
    return;
  }
  if (scan.modelClass.kind === 'class' && !scan.modelClass.hasBases && !scan.methods.has('execute')) {
    findings.error(scan.modelClass, 'python-class', "class TritonPythonModel has no 'execute' method: Triton calls execute(requests) with every batch of requests");
  }
  const autoCompleteMethod = scan.methods.get('auto_complete_config');
  if (autoCompleteMethod && !autoCompleteMethod.decorators.includes('staticmethod')) {
    findings.warning(autoCompleteMethod, 'python-class', 'auto_complete_config should be a @staticmethod: the Python backend calls it on the class, before any instance exists');
  }
  if (!summary) return;
  // auto_complete_config may add tensors the config does not list yet.
  if (autoComplete && (summary.inputs.length === 0 || summary.outputs.length === 0)) return;
  for (const ref of scan.refs) checkTensorRef(ref, scan, summary.inputs, summary.outputs, findings);
}

function hasEntry(entries: DirEntry[] | undefined, name: string): boolean {
  return entries?.some((e) => e.name === name) ?? false;
}

/** Versions Triton loads under the policy (VersionsToLoad), with the findings the policy gives. */
function versionsToLoad(summary: ModelSummary, versions: VersionFolder[], modelName: string, configFindings: FindingList): Set<number> {
  const existing = [...new Set(versions.map((v) => v.version))].sort((a, b) => b - a);
  const policy = summary.versionPolicy;
  let load: number[];
  let at = undefined as { line: number; column: number } | undefined;
  if (policy.kind === 'latest') {
    load = existing.slice(0, policy.numVersions);
    at = policy.at;
  } else if (policy.kind === 'all') load = existing;
  else {
    at = policy.at;
    load = [];
    for (const { version, at: versionAt } of policy.versions) {
      if (existing.includes(version)) load.push(version);
      else configFindings.warning(versionAt, 'version-policy', `version ${version} is specified for model '${modelName}', but the version directory is not present`);
    }
  }
  if (load.length === 0) {
    const why =
      existing.length === 0
        ? `the model folder has no version folder (create ${modelName}/1/ for version 1)`
        : policy.kind === 'latest'
          ? `latest { num_versions: ${policy.numVersions} } selects none of the versions ${existing.join(', ')}`
          : `the versions listed are not among the version folders (${existing.join(', ')})`;
    configFindings.error(at, 'version-policy', `at least one version must be available under the version policy of model '${modelName}': ${why}`);
  }
  return new Set(load);
}

export function checkModel(model: ModelFolder): { checked: CheckedModel; findings: Finding[] } {
  const folderFindings = new FindingList(model.name);
  const configPath = `${model.name}/config.pbtxt`;
  const configFindings = new FindingList(configPath);
  const fileFindings: FindingList[] = [];
  const pathFindings: Finding[] = [];
  const checked: CheckedModel = { folder: model, autoComplete: false };
  const done = () => ({ checked, findings: [...folderFindings.items, ...pathFindings, ...configFindings.items, ...fileFindings.flatMap((f) => f.items)] });

  for (const problem of model.readErrors) {
    const list = problem.path === 'config.pbtxt' ? configFindings : problem.path === '' ? folderFindings : new FindingList(`${model.name}/${problem.path}`);
    if (list !== configFindings && list !== folderFindings) fileFindings.push(list);
    list.error(undefined, 'read', `cannot read: ${problem.message}`);
  }
  if (model.name.startsWith('.')) {
    folderFindings.error(
      undefined,
      'hidden-folder',
      `'${model.name}' is a folder of the model repository, so Triton tries to load it as a model and fails ("Could not determine backend for model '${model.name}'"): move it out of the repository`,
    );
    return done();
  }

  const versions = model.versions;
  for (const problem of model.versionProblems) pathFindings.push({ path: `${model.name}/${problem.folder}`, severity: 'warning', code: 'version-folder', message: problem.message });
  /** The model file of every version folder, scanned when it is a Python file the snapshot holds. */
  const modelFiles = (fileName: string) =>
    versions
      .map((v) => ({ ...v, file: `${v.folder}/${fileName}`, source: model.sources.get(`${v.folder}/${fileName}`) }))
      .map((v) => ({ ...v, scan: v.source === undefined ? undefined : scanPythonModel(v.source) }));
  const firstFolder = model.entries.find((e) => e.kind === 'dir');

  if (model.configText === undefined) {
    if (model.readErrors.some((e) => e.path === 'config.pbtxt')) return done();
    const pythonFiles = modelFiles('model.py').filter((v) => v.scan);
    const autoCompleteFile = pythonFiles.find((v) => v.scan?.methods.has('auto_complete_config'));
    if (autoCompleteFile && firstFolder && hasEntry(model.subdirs.get(firstFolder.name), 'model.py')) {
      folderFindings.warning(undefined, 'no-config', `no config.pbtxt: Triton builds the configuration from auto_complete_config in ${model.name}/${autoCompleteFile.file} (write config.pbtxt to have it checked here)`);
      checked.autoComplete = true;
    } else {
      folderFindings.error(undefined, 'no-config', `no config.pbtxt in ${model.name}/: Triton needs one (only a Python model whose model.py defines auto_complete_config may leave it out)`);
    }
    return done();
  }

  const parsed = parseTextProto(model.configText);
  for (const diagnostic of parsed.diagnostics) {
    configFindings.error({ line: diagnostic.line, column: diagnostic.column }, parseDiagnosticCode(diagnostic), diagnostic.message);
  }
  // Triton stops at a parse error ("failed to read text proto"): the other rules wait until it is fixed.
  if (!parsed.message || parsed.diagnostics.length > 0) return done();

  const configuredFile = (parsed.message.fields.find((f) => f.name === 'default_model_filename')?.values.at(-1)?.value as string | undefined) || 'model.py';
  const candidates = modelFiles(configuredFile);
  const autoCompleteCandidate = candidates.find((v) => v.scan?.methods.has('auto_complete_config'));
  checked.autoComplete = autoCompleteCandidate !== undefined;

  const summary = checkConfig(
    parsed.message,
    {
      folderName: model.name,
      ...(firstFolder ? { firstSubdir: { name: firstFolder.name, entries: model.subdirs.get(firstFolder.name) ?? [] } } : {}),
      ...(autoCompleteCandidate ? { autoCompleteFile: autoCompleteCandidate.file } : {}),
      pathExists: (relative) => pathExists(model, relative),
    },
    configFindings,
  );
  checked.summary = summary;

  if (summary.platform === 'ensemble' && summary.backend === '') {
    versionsToLoad(summary, versions, summary.name, configFindings);
    return done();
  }
  const loaded = versionsToLoad(summary, versions, summary.name, configFindings);
  const modelFile = summary.defaultModelFilename;
  // The file each version folder must hold: known for Python and the backends Triton completes; custom backends decide.
  const expectedFile = summary.backend === 'python' ? modelFile : KNOWN_MODEL_FILES[summary.backend] ? modelFile || KNOWN_MODEL_FILES[summary.backend] : undefined;
  for (const version of versions) {
    if (!expectedFile) break;
    const entries = model.subdirs.get(version.folder);
    if (hasEntry(entries, expectedFile)) continue;
    const isLoaded = loaded.has(version.version);
    const relative = `${model.name}/${version.folder}/${expectedFile}`;
    const message =
      summary.backend === 'python'
        ? `${expectedFile} does not exist in the model repository path: ${relative}${isLoaded ? '' : ` (version ${version.version} is not loaded under the version policy, but would fail if it were)`}`
        : `the ${summary.backend} backend looks for ${relative}, which does not exist`;
    pathFindings.push({ path: `${model.name}/${version.folder}`, severity: summary.backend === 'python' && isLoaded ? 'error' : 'warning', code: 'model-file', message });
  }
  if (summary.backend === 'python' && modelFile.endsWith('.py')) {
    // Tensor names are compared with a config without errors only: one mistake, one finding.
    const configHasErrors = configFindings.items.some((f) => f.severity === 'error');
    for (const candidate of candidates) {
      if (!candidate.scan) continue;
      const list = new FindingList(`${model.name}/${candidate.file}`);
      checkPythonScan(candidate.scan, configHasErrors ? undefined : summary, checked.autoComplete, list);
      fileFindings.push(list);
    }
  }
  return done();
}

// ------------------------------------------------------------------------------------------------
// Ensembles against the models they call (ensemble_utils.cc ValidateEnsembleConfig)

interface TensorNode {
  model: string;
  dataType: string | number;
  dims: bigint[];
  fullDims: bigint[];
}

function sameDimsWithWildcard(a: bigint[], b: bigint[]): boolean {
  return a.length === b.length && a.every((d, i) => d === -1n || b[i] === -1n || d === b[i]);
}

const shape = (dims: bigint[]) => `[${dims.join(',')}]`;

function checkEnsembleSteps(ensemble: CheckedModel, models: Map<string, CheckedModel>, findings: FindingList): void {
  const summary = ensemble.summary as ModelSummary;
  const name = summary.name;
  const node = (model: string, batching: boolean, tensor: TensorSummary, useReshape: boolean): TensorNode => {
    const dims = useReshape && tensor.reshape ? tensor.reshape : tensor.dims;
    return { model, dataType: tensor.dataType, dims, fullDims: batching ? [-1n, ...dims] : dims };
  };
  const tensors = new Map<string, TensorNode>();
  for (const tensor of [...summary.inputs, ...summary.outputs]) tensors.set(tensor.name, node(name, summary.maxBatchSize > 0, tensor, true));
  const consistent = (ensembleTensor: string, model: TensorNode, at: { line: number; column: number }): boolean => {
    const known = tensors.get(ensembleTensor);
    if (!known) {
      tensors.set(ensembleTensor, model);
      return true;
    }
    const prefix = `in ensemble ${name}, ensemble tensor ${ensembleTensor}: `;
    if (known.dataType !== model.dataType) {
      findings.error(at, 'ensemble', `${prefix}inconsistent data type: ${known.dataType} is inferred from model ${known.model} while ${model.dataType} is inferred from model ${model.model}`);
      return false;
    }
    if (!sameDimsWithWildcard(known.dims, model.dims) && !sameDimsWithWildcard(known.fullDims, model.fullDims)) {
      findings.error(at, 'ensemble', `${prefix}inconsistent shape: ${shape(known.fullDims)} is inferred from model ${known.model} while ${shape(model.fullDims)} is inferred from model ${model.model}`);
      return false;
    }
    return true;
  };

  for (const step of summary.ensembleSteps ?? []) {
    const target = models.get(step.modelName);
    if (!target) {
      findings.warning(step.at, 'ensemble', `step ${step.index} calls model '${step.modelName}', which is not in this repository: the ensemble loads only if another --model-repository provides it`);
      continue;
    }
    const stepSummary = target.summary;
    // A model without a readable config, or whose tensors auto-completion adds, cannot be compared.
    if (!stepSummary || (stepSummary.inputs.length === 0 && stepSummary.outputs.length === 0)) continue;
    const batching = stepSummary.maxBatchSize > 0;
    if (stepSummary.maxBatchSize !== 0 && stepSummary.maxBatchSize < summary.maxBatchSize) {
      findings.error(
        step.at,
        'ensemble',
        `ensemble ${name} allows maximum batch size ${summary.maxBatchSize}, but it contains model ${step.modelName} which only allows maximum batch size to be ${stepSummary.maxBatchSize}`,
      );
      continue;
    }
    const inputs = new Map(stepSummary.inputs.map((t) => [t.name, t]));
    const outputs = new Map(stepSummary.outputs.map((t) => [t.name, t]));
    for (const entry of step.inputMap) {
      const input = inputs.get(entry.key);
      if (!input) {
        findings.error(entry.at, 'ensemble', `in ensemble ${name}, ensemble tensor ${entry.value} is mapping to non-existing input ${entry.key} in model ${step.modelName} (inputs: ${quotedList([...inputs.keys()])})`);
        continue;
      }
      consistent(entry.value, node(step.modelName, batching, input, false), entry.at);
    }
    for (const input of stepSummary.inputs) {
      if (!input.optional && !step.inputMap.some((e) => e.key === input.name)) {
        findings.error(step.at, 'ensemble', `in ensemble ${name}, input ${input.name} in model ${step.modelName} is not mapped to any ensemble tensors`);
      }
    }
    for (const entry of step.outputMap) {
      const output = outputs.get(entry.key);
      if (!output) {
        findings.error(entry.at, 'ensemble', `in ensemble ${name}, ensemble tensor ${entry.value} is mapped from non-existing output ${entry.key} in model ${step.modelName} (outputs: ${quotedList([...outputs.keys()])})`);
        continue;
      }
      consistent(entry.value, node(step.modelName, batching, output, false), entry.at);
    }
  }
}

export interface RepositoryResult {
  /** Model folder names, sorted. */
  models: string[];
  findings: Finding[];
}

/** Check every model folder of the snapshot; `only` restricts the report to one model (the others are still read, for ensembles). */
export function checkRepository(snapshot: RepositorySnapshot, only?: string): RepositoryResult {
  const results = snapshot.models.map(checkModel);
  const byName = new Map<string, CheckedModel>();
  for (const { checked } of results) {
    if (checked.summary) byName.set(checked.folder.name, checked);
  }
  const findings = results.flatMap((r) => r.findings);
  for (const { checked } of results) {
    if (!checked.summary?.ensembleSteps || findings.some((f) => f.path === `${checked.folder.name}/config.pbtxt` && f.severity === 'error' && f.code === 'ensemble')) continue;
    const list = new FindingList(`${checked.folder.name}/config.pbtxt`);
    checkEnsembleSteps(checked, byName, list);
    findings.push(...list.items);
  }
  const reported = only === undefined ? findings : findings.filter((f) => f.path === only || f.path.startsWith(`${only}/`));
  // A link Triton cannot follow fails the whole repository, so it is reported whichever model was asked about.
  for (const link of snapshot.brokenLinks) {
    reported.push({
      path: link.name,
      severity: 'error',
      code: 'broken-link',
      message: `${link.problem}: Triton fails to poll the model repository on it ("failed to stat file") and loads none of its models`,
    });
  }
  const models = snapshot.models.map((m) => m.name).filter((name) => only === undefined || name === only);
  return { models, findings: sortFindings(reported) };
}
