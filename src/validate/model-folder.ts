/**
 * What a model needs from its folder once its config is read: the versions its policy loads, the
 * model file in each version folder, the backend library Triton looks for (TritonModel's
 * GetBackendLibraryProperties: the version folder, the model folder, then the image's backends
 * folder), and the Python model's class, methods and tensor names. Pure, like ./model.ts.
 */

import { imageBackends, PYTHON_BASED_BACKENDS, tritonOf } from '../model-spec/releases.js';
import type { DirEntry, ModelFolder, VersionFolder } from '../repository/read.js';
import type { ModelSummary, TensorSummary, VersionPolicySummary } from './config-summary.js';
import type { FindingList, Finding, Position } from './findings.js';
import type { SyntaxProblem } from './python-compile.js';
import type { PythonModelScan, TensorRef } from './python-scan.js';

export const KNOWN_MODEL_FILES: Record<string, string> = { tensorrt: 'model.plan', onnxruntime: 'model.onnx', pytorch: 'model.pt', openvino: 'model.xml', tensorflow: 'model.graphdef' };

export function quotedList(names: string[]): string {
  return names.length === 0 ? 'none' : names.map((n) => `'${n}'`).join(', ');
}

export function hasEntry(entries: DirEntry[] | undefined, name: string): boolean {
  return entries?.some((e) => e.name === name) ?? false;
}

/** Versions Triton loads under the policy (VersionsToLoad), with the findings the policy gives. */
export function versionsToLoad(policy: VersionPolicySummary, versions: VersionFolder[], modelName: string, configFindings: FindingList): Set<number> {
  const existing = [...new Set(versions.map((v) => v.version))].sort((a, b) => b - a);
  let load: number[];
  let at = undefined as Position | undefined;
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

/** The folder Triton reads a version's files from: the version printed back (std::to_string), as an unsigned number by the Python backend. */
export function canonicalFolder(version: number): string {
  return version < 0 ? BigInt.asUintN(64, BigInt(version)).toString() : String(version);
}

/**
 * The model file each version needs (known for Python and the backends Triton completes; custom
 * backends decide). Triton reads the version number from the folder's name but looks for the files in
 * the folder named by that number: `+1` or `1_old` is version 1, read from `1/`; `-1` is read from
 * `18446744073709551615/`. A version Triton loads without its file is an error (2.51.0 never finishes
 * loading such a Python model); a folder it does not load, a warning.
 */
export function checkModelFiles(model: ModelFolder, backend: string, modelFile: string, loaded: Set<number>, pathFindings: Finding[]): void {
  const expectedFile = backend === 'python' ? modelFile : KNOWN_MODEL_FILES[backend] ? modelFile || KNOWN_MODEL_FILES[backend] : undefined;
  if (!expectedFile) return;
  const describe = (relative: string) => (backend === 'python' ? `${expectedFile} does not exist in the model repository path: ${relative}` : `the ${backend} backend looks for ${relative}, which does not exist`);
  for (const version of loaded) {
    const folder = canonicalFolder(version);
    if (hasEntry(model.subdirs.get(folder), expectedFile)) continue;
    const written = model.versions.filter((v) => v.version === version).map((v) => v.folder);
    const named = written.includes(folder) ? '' : ` (Triton reads folder '${written[0]}' as version ${version} and looks for its files in ${folder}/${version < 0 ? ', which 2.51.0 never finishes loading' : `: name the folder ${version}`})`;
    pathFindings.push({ path: `${model.name}/${written[0] ?? folder}`, severity: 'error', code: 'model-file', message: `${describe(`${model.name}/${folder}/${expectedFile}`)}${named}` });
  }
  for (const version of model.versions) {
    if (loaded.has(version.version) || hasEntry(model.subdirs.get(version.folder), expectedFile)) continue;
    pathFindings.push({
      path: `${model.name}/${version.folder}`,
      severity: 'warning',
      code: 'model-file',
      message: `${describe(`${model.name}/${version.folder}/${expectedFile}`)} (version ${version.version} is not loaded under the version policy, but would fail if it were)`,
    });
  }
}

/** Whether a file is in the model folder or in the folder of a version Triton loads: where Triton looks for a backend's library first. */
function inModelFolders(model: ModelFolder, loaded: Set<number>, file: string): boolean {
  return model.paths.has(file) || model.versions.some((version) => loaded.has(version.version) && hasEntry(model.subdirs.get(version.folder), file));
}

/**
 * The backend library Triton loads for the model: `libtriton_<backend>.so`, or the config's `runtime`
 * (`model.py` makes it a Python-based backend, whose model.py Triton looks for in backends/<backend>/).
 * A backend the release's images do not carry needs its library in the model's folders.
 */
export function checkBackendLibrary(
  model: ModelFolder,
  summary: ModelSummary,
  runtime: { value: string; at?: Position },
  backendAt: Position | undefined,
  loaded: Set<number>,
  release: string,
  findings: FindingList,
): void {
  const { backend } = summary;
  if (backend === '' || loaded.size === 0) return;
  const known = imageBackends(release);
  if (runtime.value === 'model.py') {
    if (PYTHON_BASED_BACKENDS.includes(backend)) return;
    findings.error(
      runtime.at,
      'backend-library',
      `unable to find Python backend based backend library 'model.py' for model '${summary.name}': runtime "model.py" means a Python-based backend, whose model.py Triton looks for in backends/${backend}/, and ${backend === 'python' ? 'the Python backend is not one (leave runtime out)' : `'${backend}' is not one ${tritonOf(release)} knows`}`,
    );
    return;
  }
  if (runtime.value !== '') {
    if (inModelFolders(model, loaded, runtime.value) || (known.includes(backend) && runtime.value === `libtriton_${backend}.so`)) return;
    findings.error(
      runtime.at,
      'backend-library',
      `unable to find backend library '${runtime.value}' for model '${summary.name}': Triton looks for it in the version folder, the model folder and backends/${backend}/ (leave runtime out to use libtriton_${backend}.so)`,
    );
    return;
  }
  if (known.includes(backend) || inModelFolders(model, loaded, `libtriton_${backend}.so`)) return;
  const gone = backend === 'tensorflow' ? ' (the TensorFlow backend left the images in 25.03)' : '';
  findings.error(
    backendAt,
    'backend-library',
    `unable to find backend library for backend '${backend}': it is not a backend of the images of ${tritonOf(release)}${gone} (${known.join(', ')}), and no libtriton_${backend}.so is in the model folder or a version folder`,
  );
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

/**
 * A Python model file: what Python says of its syntax when it was asked (the stub imports the file,
 * so a SyntaxError fails the load), the class Triton instantiates and its methods, and the tensor
 * names it uses against the config (given only when the config has no errors: one mistake, one finding).
 */
export function checkPythonScan(scan: PythonModelScan, syntax: SyntaxProblem | undefined, summary: ModelSummary | undefined, autoComplete: boolean, findings: FindingList): void {
  if (syntax) {
    findings.error({ line: syntax.line, column: syntax.column }, 'python-syntax', `${syntax.message}: Python refuses this file, so Triton fails to load the model`);
  } else if (scan.problem) {
    findings.warning(scan.problem, 'python-scan', `cannot read the rest of this file (${scan.problem.message}); Python will refuse it too`);
  }
  if (!scan.modelClass) {
    findings.error(undefined, 'python-class', 'defines no class TritonPythonModel: the Python backend loads the class of that name from this file');
    return;
  }
  if (scan.modelClass.kind === 'class' && !scan.modelClass.hasBases && !scan.methods.has('execute')) {
    findings.warning(
      scan.modelClass,
      'python-class',
      "class TritonPythonModel has no 'execute' method: Triton loads the model, and every request fails (\"... does not implement `execute` method\")",
    );
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
