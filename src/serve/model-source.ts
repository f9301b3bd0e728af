/**
 * serve's view of a model the repository reader found (src/repository/): the normalised config
 * Triton hands to model.py as args["model_config"], the versions its version_policy serves, or the
 * reason Triton would not load it; and where serve finds the repository and the project around it.
 */

import fs from 'node:fs';
import path from 'node:path';
import { asArray, asObject, withTritonDefaults } from '../pbtxt/json.js';
import type { PbJsonObject } from '../pbtxt/printer.js';
import { readModelConfig, tensorProblems, versionsUnderPolicy } from '../repository/config.js';
import { locate, LocateError } from '../repository/locate.js';
import { readModelFolder, type ModelFolder } from '../repository/read.js';
import { ensembleSteps, type EnsembleStep } from './ensemble.js';
import { showValue, UserError } from '../ui/errors.js';
import { shownPath } from '../ui/paths.js';

export interface RepositoryLocation {
  /** The folder holding the repository (and .venv, requirements.txt): where the worker processes run. */
  projectDir: string;
  /** The model repository: the folder whose subfolders are models. */
  repository: string;
}

/** `[project-or-models-dir]`: a project or a model repository; the current folder when not given. */
export function locateRepository(given: string | undefined, cwd: string): RepositoryLocation {
  const shown = given ?? '.';
  const refuse = (problem: string) => new UserError(`[project-or-models-dir] ${showValue(shown)}: ${problem}`);
  let located;
  try {
    located = locate(path.resolve(cwd, shown), cwd);
  } catch (error) {
    throw error instanceof LocateError ? refuse(error.problem) : error;
  }
  if (located.kind === 'model') {
    throw refuse(`is one model's folder: serve runs a model repository (give ${shownPath(located.repository, cwd)}, or the project holding it)`);
  }
  if (located.kind === 'project') return { projectDir: located.project, repository: located.repository };
  return { projectDir: path.dirname(located.repository), repository: located.repository };
}

export interface ModelSource {
  name: string;
  /** The model folder: args["model_repository"]. */
  dir: string;
  /** The normalised config, when config.pbtxt could be read. */
  config?: PbJsonObject;
  /** Versions the version_policy serves, lowest first: each in the folder of its number, as Triton loads it. */
  versions: string[];
  /** Why Triton would not load the model. */
  error?: string;
  /** What serve does differently from Triton for this model (e.g. KIND_GPU runs on CPU). */
  notes: string[];
  /** An ensemble: no process of its own, its steps run on theirs. */
  ensemble?: EnsembleStep[];
  /** The lines of each output's label_filename, by output name (the classification extension's labels). */
  labels: Record<string, string[]>;
}

/** A model folder's config and the versions to serve, or why Triton would not load it. */
export function modelSource(folder: ModelFolder): ModelSource {
  const source: ModelSource = { name: folder.name, dir: folder.dir, versions: [], notes: [], labels: {} };
  const read = readModelConfig(folder);
  if (!read.ok) return { ...source, error: read.problem };
  const config = withTritonDefaults(read.json, { modelName: folder.name });
  source.config = config;
  const backend = typeof config.backend === 'string' ? config.backend : '';
  const isEnsemble = config.platform === 'ensemble' && backend === '';
  if (backend !== 'python' && !isEnsemble) {
    return { ...source, error: `serve runs Python-backend models and ensembles only; this one has ${backend ? `backend '${backend}'` : `platform '${String(config.platform ?? '')}'`} (serve it with \`create-triton-model run\`)` };
  }
  if (isEnsemble) {
    const found = ensembleSteps(config);
    if ('problem' in found) return { ...source, error: found.problem };
    source.ensemble = found.steps;
  }
  const problems = tensorProblems(config);
  if (problems.length > 0) return { ...source, error: problems.join('; ') };

  const versions = versionsUnderPolicy(
    folder.versions.map((v) => v.version),
    asObject(config.version_policy),
  );
  if (versions.length === 0) return { ...source, error: `at least one version must be available under the version policy of model '${folder.name}'` };
  source.versions = versions.map(String);

  for (const output of asArray(config.output).map(asObject)) {
    if (typeof output.label_filename !== 'string' || output.label_filename === '') continue;
    // Triton reads the file when it loads the model, one label per line, and fails the load without it.
    try {
      source.labels[String(output.name)] = fs.readFileSync(path.join(folder.dir, output.label_filename), 'utf8').split('\n').filter((line, i, lines) => i < lines.length - 1 || line !== '');
    } catch (error) {
      const why = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'No such file or directory' : (error as Error).message;
      return { ...source, error: `failed to open text file for read ${path.join(folder.dir, output.label_filename)}: ${why}` };
    }
  }

  const groups = asArray(config.instance_group).map(asObject);
  if (groups.some((group) => group.kind === 'KIND_GPU')) source.notes.push('instance_group asks for KIND_GPU: serve has no GPU placement, the model runs on CPU (model_instance_kind "CPU")');
  const instances = groups.reduce((sum, group) => sum + Number(group.count ?? 1), 0);
  if (instances > 1) source.notes.push(`instance_group asks for ${instances} instances: serve runs one`);
  return source;
}

/** Read `<repository>/<name>` again (a reload) as a ModelSource. */
export const readModelSource = (repository: string, name: string): ModelSource => modelSource(readModelFolder(path.join(repository, name)));

/** The model.py (or default_model_filename) of each version to serve, for the import preflight. */
export function modelFiles(source: ModelSource): string[] {
  if (source.ensemble) return [];
  const filename = typeof source.config?.default_model_filename === 'string' && source.config.default_model_filename !== '' ? source.config.default_model_filename : 'model.py';
  return source.versions.map((version) => path.join(source.dir, version, filename));
}
