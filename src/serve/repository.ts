/**
 * The model repository as Triton reads it at load time: which folder is the repository, which of
 * its folders are models, each model's config (our text-format parser, then the normalised JSON
 * Triton hands to model.py as args["model_config"]), and which version folders its
 * version_policy serves. A model that Triton would refuse to load gets the reason instead.
 */

import fs from 'node:fs';
import path from 'node:path';
import { withTritonDefaults } from '../pbtxt/json.js';
import { parseTextProto, toJson } from '../pbtxt/parser.js';
import type { PbJson, PbJsonObject } from '../pbtxt/printer.js';
import { dataTypeFromConfigEnum } from '../model-spec/dtypes.js';
import { showValue, UserError } from '../ui/errors.js';

export interface RepositoryLocation {
  /** The folder holding models/ (and .venv, requirements.txt): where the worker processes run. */
  projectDir: string;
  /** The model repository: the folder whose subfolders are models. */
  repository: string;
}

export const asObject = (value: PbJson | undefined): PbJsonObject => (value && typeof value === 'object' && !Array.isArray(value) ? (value as PbJsonObject) : {});
export const asArray = (value: PbJson | undefined): PbJson[] => (Array.isArray(value) ? value : []);

const isDirectory = (dir: string) => fs.existsSync(dir) && fs.statSync(dir).isDirectory();

/** Folders of `repository` that are models: they hold a config.pbtxt. Hidden folders are skipped. */
export function modelFolders(repository: string): string[] {
  return fs
    .readdirSync(repository, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.') && fs.existsSync(path.join(repository, entry.name, 'config.pbtxt')))
    .map((entry) => entry.name)
    .sort();
}

/**
 * `[project-or-models-dir]`: a project (it has models/) or a model repository itself (its
 * folders hold config.pbtxt files); the current folder when not given.
 */
export function locateRepository(given: string | undefined, cwd: string): RepositoryLocation {
  const shown = given ?? '.';
  const dir = path.resolve(cwd, given ?? '.');
  if (!fs.existsSync(dir)) throw new UserError(`[project-or-models-dir] ${showValue(shown)}: no such folder`);
  if (!fs.statSync(dir).isDirectory()) throw new UserError(`[project-or-models-dir] ${showValue(shown)}: not a folder`);
  const models = path.join(dir, 'models');
  if (isDirectory(models)) {
    if (modelFolders(models).length === 0) throw new UserError(`[project-or-models-dir] ${showValue(shown)}: models/ holds no model (no models/<name>/config.pbtxt)`);
    return { projectDir: dir, repository: models };
  }
  if (modelFolders(dir).length > 0) return { projectDir: path.dirname(dir), repository: dir };
  throw new UserError(`[project-or-models-dir] ${showValue(shown)}: neither a project (no models/ folder) nor a model repository (no <name>/config.pbtxt)`);
}

export interface ModelSource {
  name: string;
  /** The model folder: args["model_repository"]. */
  dir: string;
  /** The normalised config, when config.pbtxt could be read. */
  config?: PbJsonObject;
  /** Version folders the version_policy serves, lowest first. */
  versions: string[];
  /** Why Triton would not load the model. */
  error?: string;
  /** What serve does differently from Triton for this model (e.g. KIND_GPU runs on CPU). */
  notes: string[];
}

/** Version folders: numeric names, no leading zero (Triton ignores `01`). */
function versionFolders(modelDir: string): number[] {
  return fs
    .readdirSync(modelDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && /^(0|[1-9][0-9]*)$/.test(entry.name))
    .map((entry) => Number(entry.name))
    .sort((a, b) => a - b);
}

/** The versions Triton serves under `policy` (latest N by default). */
export function versionsUnderPolicy(available: number[], policy: PbJsonObject): number[] {
  if (policy.all !== undefined) return available;
  if (policy.specific !== undefined) {
    const wanted = new Set(asArray(asObject(policy.specific).versions).map(Number));
    return available.filter((version) => wanted.has(version));
  }
  const count = Math.max(1, Number(asObject(policy.latest).num_versions ?? 1));
  return available.slice(-count);
}

function tensorProblems(config: PbJsonObject): string[] {
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

/** Read models/<folder>: its config and the versions to serve, or why Triton would not load it. */
export function readModelSource(repository: string, folder: string): ModelSource {
  const dir = path.join(repository, folder);
  const source: ModelSource = { name: folder, dir, versions: [], notes: [] };
  const configFile = `${path.basename(repository)}/${folder}/config.pbtxt`;
  let text: string;
  try {
    text = fs.readFileSync(path.join(dir, 'config.pbtxt'), 'utf8');
  } catch (error) {
    return { ...source, error: `${configFile}: ${(error as Error).message}` };
  }
  const { message, diagnostics } = parseTextProto(text);
  const first = diagnostics[0];
  if (first || !message) return { ...source, error: `${configFile}:${first?.line ?? 1}:${first?.column ?? 1}: ${first?.message ?? 'cannot be read'}` };

  const written = toJson(message);
  if (typeof written.name === 'string' && written.name !== '' && written.name !== folder) {
    return { ...source, error: `unexpected directory name '${folder}' for model '${written.name}', directory name must equal model name` };
  }
  const config = withTritonDefaults(written, { modelName: folder });
  source.config = config;
  const backend = typeof config.backend === 'string' ? config.backend : '';
  if (backend !== 'python') {
    return { ...source, error: `serve runs Python-backend models only; this one has ${backend ? `backend '${backend}'` : `platform '${String(config.platform ?? '')}'`} (serve it with \`create-triton-model run\`)` };
  }
  const problems = tensorProblems(config);
  if (problems.length > 0) return { ...source, error: problems.join('; ') };

  const versions = versionsUnderPolicy(versionFolders(dir), asObject(config.version_policy));
  if (versions.length === 0) return { ...source, error: `at least one version must be available under the version policy of model '${folder}'` };
  source.versions = versions.map(String);

  const groups = asArray(config.instance_group).map(asObject);
  if (groups.some((group) => group.kind === 'KIND_GPU')) source.notes.push('instance_group asks for KIND_GPU: serve has no GPU placement, the model runs on CPU (model_instance_kind "CPU")');
  const instances = groups.reduce((sum, group) => sum + Number(group.count ?? 1), 0);
  if (instances > 1) source.notes.push(`instance_group asks for ${instances} instances: serve runs one`);
  return source;
}

/** The model.py (or default_model_filename) of each version to serve, for the import preflight. */
export function modelFiles(source: ModelSource): string[] {
  const filename = typeof source.config?.default_model_filename === 'string' && source.config.default_model_filename !== '' ? source.config.default_model_filename : 'model.py';
  return source.versions.map((version) => path.join(source.dir, version, filename));
}
