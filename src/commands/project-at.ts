/** The project a command works on (add-model, deploy): read by the repository reader, or one line saying why it is not one. */

import path from 'node:path';
import { LocateError } from '../repository/locate.js';
import { readProject, type ProjectFiles } from '../repository/project.js';
import { showValue, UserError } from '../ui/errors.js';
import { invokedAs } from '../ui/invocation.js';
import { shownPath } from '../ui/paths.js';
import { shellQuote } from '../ui/shell.js';

export function projectAt(given: string, cwd: string, command: string): { existing: ProjectFiles; shown: string } {
  const dir = path.resolve(cwd, given);
  const shown = shownPath(dir, cwd);
  try {
    return { existing: readProject(dir, cwd), shown };
  } catch (error) {
    if (!(error instanceof LocateError)) throw error;
    if (error.code === 'not-a-repository') {
      throw new UserError(`${shown}: not a project of create-triton-model (no models/ folder); create one with: ${invokedAs(cwd)} ${shellQuote(shown === '.' ? 'my-project' : shown)}`);
    }
    throw new UserError(`${command} ${showValue(given)}: ${error.problem}`);
  }
}
