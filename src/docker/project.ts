/**
 * What `build` and `run` need to know about a project folder: that it has a Dockerfile, and the
 * models Triton will serve from models/ with their tensors, read from each config.pbtxt by our
 * text-format parser (the same config Triton reads, so the test request matches what it expects).
 */

import fs from 'node:fs';
import path from 'node:path';
import { parseTextProto, toJson } from '../pbtxt/parser.js';
import type { PbJson, PbJsonObject } from '../pbtxt/printer.js';
import { dataTypeFromConfigEnum } from '../model-spec/dtypes.js';
import type { TensorSpec } from '../model-spec/fields.js';
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
}

const asObject = (value: PbJson | undefined): PbJsonObject => (value && typeof value === 'object' && !Array.isArray(value) ? (value as PbJsonObject) : {});
const asArray = (value: PbJson | undefined): PbJson[] => (Array.isArray(value) ? value : []);

function tensorsOf(config: PbJsonObject, field: 'input' | 'output', configFile: string): TensorSpec[] {
  return asArray(config[field]).map((entry, index) => {
    const tensor = asObject(entry);
    const where = `${configFile}: ${field}[${index}]`;
    const name = typeof tensor.name === 'string' ? tensor.name : '';
    if (name === '') throw new UserError(`${where} has no name (Triton refuses to load it)`);
    const dataType = dataTypeFromConfigEnum(String(tensor.data_type ?? 'TYPE_INVALID'));
    if (!dataType) throw new UserError(`${where} ${showValue(name)}: data_type ${showValue(String(tensor.data_type ?? ''))} is not a tensor type Triton accepts`);
    const dims = asArray(tensor.dims).map(Number);
    return { name, dataType, dims };
  });
}

/** Throws a one-line UserError when `dir` is not a project this CLI can build. */
export function checkBuildable(dir: string, shown: string): void {
  if (!fs.existsSync(dir)) throw new UserError(`[directory] ${showValue(shown)}: no such folder`);
  if (!fs.statSync(dir).isDirectory()) throw new UserError(`[directory] ${showValue(shown)}: not a folder`);
  if (!fs.existsSync(path.join(dir, 'Dockerfile'))) throw new UserError(`[directory] ${showValue(shown)}: no Dockerfile (is it a project created by create-triton-model?)`);
}

/** Every model under models/, from its config.pbtxt, sorted by name. */
export function readServedModels(dir: string, shown: string): ServedModel[] {
  const repository = path.join(dir, 'models');
  if (!fs.existsSync(repository) || !fs.statSync(repository).isDirectory()) {
    throw new UserError(`[directory] ${showValue(shown)}: no models/ folder (is it a project created by create-triton-model?)`);
  }
  const folders = fs
    .readdirSync(repository, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && fs.existsSync(path.join(repository, entry.name, 'config.pbtxt')))
    .map((entry) => entry.name)
    .sort();
  if (folders.length === 0) throw new UserError(`[directory] ${showValue(shown)}: models/ holds no model (no models/<name>/config.pbtxt)`);

  return folders.map((folder) => {
    const configFile = `models/${folder}/config.pbtxt`;
    const { message, diagnostics } = parseTextProto(fs.readFileSync(path.join(repository, folder, 'config.pbtxt'), 'utf8'));
    const first = diagnostics[0];
    if (first || !message) {
      throw new UserError(`${configFile}:${first?.line ?? 1}:${first?.column ?? 1}: ${first?.message ?? 'cannot be read'} (Triton would refuse to load it)`);
    }
    const config = toJson(message);
    const name = typeof config.name === 'string' && config.name !== '' ? config.name : folder;
    if (name !== folder) throw new UserError(`${configFile}: name ${showValue(name)} differs from its folder ${showValue(folder)} (Triton refuses to load it)`);
    return {
      name,
      maxBatchSize: Number(config.max_batch_size ?? 0),
      decoupled: asObject(config.model_transaction_policy).decoupled === true,
      wantsGpu: asArray(config.instance_group).some((group) => asObject(group).kind === 'KIND_GPU'),
      inputs: tensorsOf(config, 'input', configFile),
      outputs: tensorsOf(config, 'output', configFile),
      configFile,
    };
  });
}
