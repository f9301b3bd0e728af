/**
 * Checks of one model folder (config.pbtxt, version folders, model files, the Python model's
 * class and tensor names) and of the repository as a whole (ensemble steps against the models
 * they call). Pure: everything comes from the snapshot of ../repository/read.ts, and what Python
 * said of the model files' syntax (./python-compile.ts) when it was asked.
 */

import { lastValue } from '../pbtxt/message.js';
import { parseTextProto, type Diagnostic } from '../pbtxt/parser.js';
import { DEFAULT_TRITON_VERSION } from '../model-spec/releases.js';
import { checkConfig, type ModelSummary, type TensorSummary } from './config.js';
import { checkFieldsOfRelease } from './config-release.js';
import { FindingList, sortFindings, type Finding } from './findings.js';
import { checkBlsCalls } from './bls.js';
import { canonicalFolder, checkBackendLibrary, checkModelFiles, checkPythonScan, hasEntry, KNOWN_MODEL_FILES, quotedList, versionsToLoad } from './model-folder.js';
import type { SyntaxProblem } from './python-compile.js';
import { scanPythonModel, type PythonModelScan } from './python-scan.js';
import { pathExists, type ModelFolder, type RepositorySnapshot } from '../repository/read.js';

export interface CheckedModel {
  folder: ModelFolder;
  summary?: ModelSummary;
  /** auto_complete_config may add tensors the config does not list. */
  autoComplete: boolean;
  /** The Python model files read, by path in the repository (`m/1/model.py`), with their scans: their BLS calls are checked against the repository. */
  scans: { file: string; scan: PythonModelScan }[];
}

export interface CheckOptions {
  /** Triton's auto-complete (its default; --disable-auto-complete-config turns it off): a missing config.pbtxt built for the model, auto_complete_config called. */
  autoComplete?: boolean;
  /** The NGC release (YY.MM) Triton runs: its model_config.proto and the backends of its images. Default: the newest known. */
  release?: string;
  /** What Python said of each model file's syntax, by repository-relative path (`m/1/model.py`); absent when it was not asked. */
  syntaxErrors?: ReadonlyMap<string, SyntaxProblem>;
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

/** The model file a backend inferred from the first subfolder needs there: what lets Triton build a config without config.pbtxt. */
const AUTOFILL_FILES: [string, string][] = [['python', 'model.py'], ...Object.entries(KNOWN_MODEL_FILES), ['tensorflow', 'model.savedmodel']];

export function checkModel(model: ModelFolder, options: CheckOptions = {}): { checked: CheckedModel; findings: Finding[] } {
  const autoCompleteOn = options.autoComplete ?? true;
  const release = options.release ?? DEFAULT_TRITON_VERSION;
  const folderFindings = new FindingList(model.name);
  const configPath = `${model.name}/config.pbtxt`;
  const configFindings = new FindingList(configPath);
  const fileFindings: FindingList[] = [];
  const pathFindings: Finding[] = [];
  const checked: CheckedModel = { folder: model, autoComplete: false, scans: [] };
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
  for (const problem of model.versionProblems) {
    pathFindings.push({ path: `${model.name}/${problem.folder}`, severity: problem.fatal ? 'error' : 'warning', code: 'version-folder', message: problem.message });
  }
  /** The model file of every version, where Triton reads it (the folder its number names), scanned when it is a Python file the snapshot holds. */
  const modelFiles = (fileName: string) =>
    [...new Map(versions.map((v) => [v.version, canonicalFolder(v.version)])).entries()]
      .map(([version, folder]) => ({ version, file: `${folder}/${fileName}`, source: model.sources.get(`${folder}/${fileName}`) }))
      .map((v) => ({ ...v, scan: v.source === undefined ? undefined : scanPythonModel(v.source) }));
  const firstFolder = model.entries.find((e) => e.kind === 'dir');
  /**
   * The Python checks of every model file that is Python, with what Python said of its syntax. A
   * version Triton does not load cannot fail the load: its errors are warnings.
   */
  const checkPythonFiles = (candidates: ReturnType<typeof modelFiles>, summary: ModelSummary | undefined, loaded: Set<number>) => {
    for (const candidate of candidates) {
      if (!candidate.scan) continue;
      const list = new FindingList(`${model.name}/${candidate.file}`);
      checkPythonScan(candidate.scan, options.syntaxErrors?.get(`${model.name}/${candidate.file}`), summary, checked.autoComplete, list);
      if (!loaded.has(candidate.version)) {
        for (const finding of list.items) {
          if (finding.severity !== 'error') continue;
          finding.severity = 'warning';
          finding.message += ` (version ${candidate.version} is not loaded under the version policy, but would fail if it were)`;
        }
      }
      fileFindings.push(list);
      checked.scans.push({ file: `${model.name}/${candidate.file}`, scan: candidate.scan });
    }
  };

  if (model.configText === undefined) {
    if (model.readErrors.some((e) => e.path === 'config.pbtxt')) return done();
    const firstEntries = firstFolder ? model.subdirs.get(firstFolder.name) : undefined;
    const autofill = AUTOFILL_FILES.find(([, file]) => hasEntry(firstEntries, file));
    if (!autoCompleteOn) {
      folderFindings.error(undefined, 'no-config', `no config.pbtxt in ${model.name}/: with --disable-auto-complete-config Triton needs one`);
      return done();
    }
    if (!autofill || !firstFolder) {
      folderFindings.error(
        undefined,
        'no-config',
        `no config.pbtxt in ${model.name}/, and Triton cannot build one: it recognises a model by its file in the first subfolder (${firstFolder ? `${firstFolder.name}/ has` : 'there is'} no model.py or other model file)`,
      );
      return done();
    }
    const [backend, file] = autofill;
    const pythonFiles = backend === 'python' ? modelFiles('model.py') : [];
    const autoCompleteFile = pythonFiles.find((v) => v.scan?.methods.has('auto_complete_config'));
    checked.autoComplete = autoCompleteFile !== undefined;
    const tensors = backend !== 'python' ? `the ${backend} backend completes the rest` : autoCompleteFile ? `tensors from auto_complete_config in ${model.name}/${autoCompleteFile.file}` : 'no inputs or outputs: model.py defines no auto_complete_config';
    folderFindings.warning(undefined, 'no-config', `no config.pbtxt: Triton builds the configuration (backend '${backend}' from ${firstFolder.name}/${file}; ${tensors}); write config.pbtxt to have it checked here`);
    const loaded = versionsToLoad({ kind: 'latest', numVersions: 1 }, versions, model.name, folderFindings);
    checkModelFiles(model, backend, backend === 'python' ? 'model.py' : '', loaded, pathFindings);
    checkPythonFiles(pythonFiles, undefined, loaded);
    return done();
  }

  const parsed = parseTextProto(model.configText);
  // protobuf reads invalid UTF-8 in a string on (it only logs it), and so does Triton: a warning.
  const stops = parsed.diagnostics.filter((diagnostic) => parseDiagnosticCode(diagnostic) !== 'invalid-utf8');
  for (const diagnostic of parsed.diagnostics) {
    const code = parseDiagnosticCode(diagnostic);
    const at = { line: diagnostic.line, column: diagnostic.column };
    if (code === 'invalid-utf8') configFindings.warning(at, code, `${diagnostic.message} Triton's protobuf logs it and reads the config on`);
    else configFindings.error(at, code, diagnostic.message);
  }
  // Triton stops at a parse error ("failed to read text proto"): the other rules wait until it is fixed.
  if (!parsed.message || stops.length > 0) return done();
  // A field the release's proto does not have is a parse error there too.
  const before = configFindings.items.length;
  checkFieldsOfRelease(parsed.message, release, configFindings);
  if (configFindings.items.length > before) return done();

  const configuredFile = (parsed.message.fields.find((f) => f.name === 'default_model_filename')?.values.at(-1)?.value as string | undefined) || 'model.py';
  const candidates = modelFiles(configuredFile);
  const autoCompleteCandidate = autoCompleteOn ? candidates.find((v) => v.scan?.methods.has('auto_complete_config')) : undefined;
  checked.autoComplete = autoCompleteCandidate !== undefined;

  const summary = checkConfig(
    parsed.message,
    {
      folderName: model.name,
      release,
      ...(firstFolder ? { firstSubdir: { name: firstFolder.name, entries: model.subdirs.get(firstFolder.name) ?? [] } } : {}),
      ...(autoCompleteCandidate ? { autoCompleteFile: autoCompleteCandidate.file } : {}),
      ...(versions[0] ? { newestVersionFolder: versions[0].folder } : {}),
      pathExists: (relative) => pathExists(model, relative),
    },
    configFindings,
  );
  checked.summary = summary;

  const loaded = versionsToLoad(summary.versionPolicy, versions, summary.name, configFindings);
  if (summary.platform === 'ensemble' && summary.backend === '') return done();
  const runtime = lastValue(parsed.message, 'runtime');
  checkBackendLibrary(
    model,
    summary,
    { value: typeof runtime?.value === 'string' ? runtime.value : '', ...(runtime ? { at: runtime.at } : {}) },
    lastValue(parsed.message, 'backend')?.at ?? { line: 1, column: 1 },
    loaded,
    release,
    configFindings,
  );
  checkModelFiles(model, summary.backend, summary.defaultModelFilename, loaded, pathFindings);
  if (summary.backend === 'python' && summary.defaultModelFilename.endsWith('.py')) {
    // Tensor names are compared with a config without errors only: one mistake, one finding.
    const configHasErrors = configFindings.items.some((f) => f.severity === 'error');
    checkPythonFiles(candidates, configHasErrors ? undefined : summary, loaded);
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
      findings.error(
        step.at,
        'ensemble',
        `ensemble ${name} contains models that are not available or ambiguous: ${step.modelName} (step ${step.index}; not in this repository, so the ensemble loads only if another --model-repository provides it)`,
      );
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
export function checkRepository(snapshot: RepositorySnapshot, only?: string, options: CheckOptions = {}): RepositoryResult {
  const results = snapshot.models.map((model) => checkModel(model, options));
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
  const summaries = new Map([...byName].map(([name, checked]) => [name, checked.summary as ModelSummary]));
  for (const { checked } of results) findings.push(...checkBlsCalls(checked.summary?.name ?? checked.folder.name, checked.scans, summaries));
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
