/**
 * A project created by this CLI, read for adding a model to it: the names its models/ already
 * holds, the Triton release its Dockerfile builds on, and the text of the files an addition may
 * change. Only reads; what to add is render/addition.ts's, the writing write/'s.
 */

import fs from 'node:fs';
import path from 'node:path';
import { locate, LocateError, type Located } from './locate.js';
import { readRepository } from './read.js';

export interface ProjectFiles {
  /** Absolute path of the project. */
  dir: string;
  /** Every name models/ holds (model folders, files, links; hidden folders aside), sorted: a new model cannot take one. */
  takenNames: string[];
  /** The release the Dockerfile's FROM line names (`25.10`); undefined without a Dockerfile or such a line. */
  baseImageVersion?: string;
  /** Current text of the files an addition may change; undefined when the file is absent. */
  readme?: string;
  requirements?: string;
  constraints?: string;
  hasAssetsDir: boolean;
}

const FROM_LINE = /^\s*FROM\s+nvcr\.io\/nvidia\/tritonserver:(\d{2}\.\d{2})-py3\s*$/im;

/** The Triton release a Dockerfile builds on (`FROM nvcr.io/nvidia/tritonserver:25.10-py3`), when it says. */
export function baseImageVersion(dockerfile: string): string | undefined {
  return FROM_LINE.exec(dockerfile)?.[1];
}

function readIfFile(file: string): string | undefined {
  try {
    return fs.statSync(file).isFile() ? fs.readFileSync(file, 'utf8') : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The project at `dir` (absolute). Throws a LocateError when it is not one: code 'not-a-repository'
 * when there is no models/ folder (or model_repository/, which add-model does not write into), or
 * the reason the path cannot be used.
 */
export function readProject(dir: string, cwd: string): ProjectFiles {
  const located: Located = locate(dir, cwd, { allowEmpty: true });
  if (located.kind !== 'project' || located.repository !== path.join(dir, 'models')) throw new LocateError('not-a-repository', 'not a project (no models/ folder)');
  const snapshot = readRepository(located.repository);
  const takenNames = [...snapshot.models.filter((model) => !model.hidden).map((model) => model.name), ...snapshot.files, ...snapshot.brokenLinks.map((link) => link.name)].sort();
  const dockerfile = readIfFile(path.join(dir, 'Dockerfile'));
  const version = dockerfile === undefined ? undefined : baseImageVersion(dockerfile);
  return {
    dir,
    takenNames,
    ...(version === undefined ? {} : { baseImageVersion: version }),
    readme: readIfFile(path.join(dir, 'README.md')),
    requirements: readIfFile(path.join(dir, 'requirements.txt')),
    constraints: readIfFile(path.join(dir, 'constraints.txt')),
    hasAssetsDir: fs.existsSync(path.join(dir, 'assets')),
  };
}
