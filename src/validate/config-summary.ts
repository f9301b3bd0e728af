/** What the config rules find out about a model, and what they need to know besides the config: the model folder (./model.ts provides it). */

import type { DirEntry } from '../repository/read.js';
import type { Position } from './findings.js';

export interface ConfigContext {
  /** The model folder's name. */
  folderName: string;
  /** The first subfolder by name and its entries: Triton infers a missing backend from it. */
  firstSubdir?: { name: string; entries: DirEntry[] };
  /** Model-relative path of the model file that defines auto_complete_config, when one does. */
  autoCompleteFile?: string;
  /** The highest version folder's name, when there is one: where a model's files belong. */
  newestVersionFolder?: string;
  /** The NGC release (YY.MM) Triton runs: fields later than its model_config.proto are unknown to it. */
  release: string;
  /** Whether a model-relative path exists (undefined: cannot tell). */
  pathExists: (relative: string) => boolean | undefined;
}

export interface TensorSummary {
  name: string;
  dataType: string | number;
  /** Exact, as Triton's int64 (a number would round dims above 2^53). */
  dims: bigint[];
  /** The shape the model sees (ensembles compare it), when a reshape is given. */
  reshape?: bigint[];
  optional: boolean;
  at: Position;
}

export type VersionPolicySummary =
  | { kind: 'latest'; numVersions: number; at?: Position }
  | { kind: 'all' }
  | { kind: 'specific'; versions: { version: number; at: Position }[]; at: Position };

export interface EnsembleStepSummary {
  index: number;
  modelName: string;
  /** Step model tensor name → ensemble tensor name, with the entry's position. */
  inputMap: { key: string; value: string; at: Position }[];
  outputMap: { key: string; value: string; at: Position }[];
  at: Position;
}

export interface ModelSummary {
  /** The model name as Triton sees it (config name, else the folder's). */
  name: string;
  /** After Triton's backend auto-completion ('' when none could be determined). */
  backend: string;
  platform: string;
  defaultModelFilename: string;
  maxBatchSize: number;
  maxBatchSizeAt?: Position;
  inputs: TensorSummary[];
  outputs: TensorSummary[];
  decoupled: boolean;
  versionPolicy: VersionPolicySummary;
  ensembleSteps?: EnsembleStepSummary[];
}
