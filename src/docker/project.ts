/**
 * What `build` and `run` need to know about a project folder: that it has a Dockerfile, and the
 * models Triton will serve from its repository with their tensors, as the repository reader
 * (src/repository/) finds them, so the test request matches what Triton expects. What would keep
 * Triton in the container from loading the repository is refused before docker is called.
 */

import fs from 'node:fs';
import path from 'node:path';
import type { TensorSpec } from '../model-spec/fields.js';
import { asArray, asObject } from '../pbtxt/json.js';
import { configFileOf, declaredTensors, readModelConfig, tensorProblems } from '../repository/config.js';
import { locate, LocateError } from '../repository/locate.js';
import { readRepository } from '../repository/read.js';
import { showValue, UserError } from '../ui/errors.js';

export interface ServedModel {
  name: string;
  maxBatchSize: number;
  /** model_transaction_policy { decoupled: true }: answers through generate_stream, not /infer. */
  decoupled: boolean;
  /** Some instance_group asks for KIND_GPU: the container needs --gpus. */
  wantsGpu: boolean;
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  /** models/<folder>/config.pbtxt, relative to the project, for messages. */
  configFile: string;
  /** No config.pbtxt: Triton builds the configuration from model.py's auto_complete_config; no test request can be built. */
  noConfig?: true;
}

/** Throws a one-line UserError when `dir` is not a project this CLI can build. */
export function checkBuildable(dir: string, shown: string): void {
  const stat = fs.statSync(dir, { throwIfNoEntry: false });
  if (!stat) throw new UserError(`[directory] ${showValue(shown)}: no such folder`);
  if (!stat.isDirectory()) throw new UserError(`[directory] ${showValue(shown)}: not a folder`);
  if (!fs.existsSync(path.join(dir, 'Dockerfile'))) throw new UserError(`[directory] ${showValue(shown)}: no Dockerfile (is it a project created by create-triton-model?)`);
}

const NOT_A_PROJECT = 'no models/ folder (is it a project created by create-triton-model?)';

/** Every model of the project's repository, sorted by name; a UserError for what Triton in the container would not load. */
export function readServedModels(dir: string, shown: string): ServedModel[] {
  const refuse = (problem: string) => new UserError(`[directory] ${showValue(shown)}: ${problem}`);
  let repository: string;
  try {
    const located = locate(dir, process.cwd());
    if (located.kind !== 'project') throw refuse(NOT_A_PROJECT);
    repository = located.repository;
  } catch (error) {
    throw error instanceof LocateError ? refuse(error.code === 'not-a-repository' ? NOT_A_PROJECT : error.problem) : error;
  }
  const snapshot = readRepository(repository);
  const inRepository = (name: string) => `${path.basename(repository)}/${name}`;
  const link = snapshot.brokenLinks[0];
  if (link) throw new UserError(`${inRepository(link.name)}: ${link.problem} (Triton fails to poll the model repository on it and loads none of its models)`);
  const hidden = snapshot.models.find((model) => model.hidden);
  if (hidden) throw new UserError(`${inRepository(hidden.name)}: a hidden folder in the model repository: Triton tries to load it as a model and fails (move it out of ${path.basename(repository)}/)`);
  const outside = snapshot.models.find((model) => model.link !== undefined && !isInside(fs.realpathSync(model.dir), fs.realpathSync(repository)));
  if (outside) {
    throw new UserError(`${inRepository(outside.name)}: a symbolic link to ${outside.link}, outside ${path.basename(repository)}/: the image and --mount carry the link, not the folder, so Triton in the container cannot follow it (put the folder itself there)`);
  }

  return snapshot.models.map((model): ServedModel => {
    const configFile = configFileOf(model);
    const read = readModelConfig(model);
    if (!read.ok && read.missing) return { name: model.name, maxBatchSize: 0, decoupled: false, wantsGpu: false, inputs: [], outputs: [], configFile, noConfig: true };
    if (!read.ok) throw new UserError(`${read.problem} (Triton would refuse to load it)`);
    const problem = tensorProblems(read.json)[0];
    if (problem) throw new UserError(`${configFile}: ${problem} (Triton would refuse to load it)`);
    const config = read.json;
    return {
      name: model.name,
      maxBatchSize: Number(config.max_batch_size ?? 0),
      decoupled: asObject(config.model_transaction_policy).decoupled === true,
      wantsGpu: asArray(config.instance_group).some((group) => asObject(group).kind === 'KIND_GPU'),
      inputs: declaredTensors(config, 'input'),
      outputs: declaredTensors(config, 'output'),
      configFile,
    };
  });
}

const isInside = (file: string, folder: string) => file === folder || file.startsWith(folder + path.sep);
