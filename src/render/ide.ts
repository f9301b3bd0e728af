/**
 * The files that make a generated project pleasant in an editor and testable without Triton:
 * the pb_utils type stub (typings/), pyright and VS Code settings, and tests/ (pytest with the
 * in-process fake of triton_python_backend_utils). Pure: the same spec gives the same files.
 */

import { pythonVersionOf } from '../model-spec/releases.js';
import type { Spec } from '../model-spec/spec.js';
import type { RenderedFile } from './rendered.js';
import { embeddedText as templateText, embeddedUnder } from './templates.js';

/** The fake pb_utils, its harness and config reader: one implementation, also used by serve and the CLI's own tests. */
const FAKE_DIR = 'shared/tests/triton_fake/';

/**
 * pyright (and Pylance, which reads the same file). The stub has no source outside the Triton
 * container by design, so "resolved from source" would flag every model.py: that rule is off.
 * Missing imports stay errors: install requirements.txt into .venv (client.py relaxes them for
 * tritonclient itself, which belongs to the client's environment). The fake is excluded: it
 * implements the module whose stub the rest is checked against.
 */
function pyrightConfig(spec: Spec): string {
  const config = {
    exclude: ['**/.*', '**/__pycache__', '**/node_modules', 'assets', 'tests/triton_fake'],
    stubPath: 'typings',
    pythonVersion: pythonVersionOf(spec.tritonVersion),
    venvPath: '.',
    venv: '.venv',
    typeCheckingMode: 'standard',
    reportMissingModuleSource: 'none',
    executionEnvironments: [{ root: 'tests', extraPaths: ['tests/triton_fake'] }],
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}

export function ideFiles(spec: Spec): RenderedFile[] {
  const fakeFiles = embeddedUnder(FAKE_DIR)
    .map((file) => file.slice(FAKE_DIR.length))
    .filter((entry) => entry.endsWith('.py') && !entry.includes('/'));
  return [
    { path: 'typings/triton_python_backend_utils.pyi', content: templateText('shared/typings/triton_python_backend_utils.pyi') },
    { path: 'pyrightconfig.json', content: pyrightConfig(spec) },
    { path: '.vscode/settings.json', content: templateText('shared/_vscode/settings.json') },
    { path: '.vscode/extensions.json', content: templateText('shared/_vscode/extensions.json') },
    { path: 'pytest.ini', content: templateText('shared/pytest.ini') },
    { path: 'tests/conftest.py', content: templateText('shared/tests/conftest.py') },
    { path: 'tests/test_models.py', content: templateText('shared/tests/test_models.py') },
    ...fakeFiles.map((entry) => ({ path: `tests/triton_fake/${entry}`, content: templateText(`${FAKE_DIR}${entry}`) })),
  ];
}
