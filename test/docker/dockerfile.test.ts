/**
 * The generated Dockerfile and .dockerignore against a real builder: dependencies stay cached when
 * only model code changes, and what the project keeps for development never reaches the build
 * context or the image.
 */

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, docker, workDir } from './helpers.js';

/** The classic builder's output of one step: from its "Step N/M : <instruction>" line to the next step. */
function stepOutput(output: string, instruction: RegExp): string {
  const steps = output.split(/^(?= *│ Step \d+\/\d+ : )/m);
  const step = steps.find((text) => instruction.test(text.split('\n')[0] ?? ''));
  if (!step) throw new Error(`no build step matching ${instruction} in:\n${output}`);
  return step;
}

describe('the generated Dockerfile in a real Docker engine', () => {
  it('reuses the pip layer when only model.py changed, and keeps dev files out of the context and the image', async () => {
    const dir = workDir('dockerfile');
    const created = await cli(['layers-project', '--yes', '--template', 'blank', '--name', 'layered'], dir);
    expect(created.exitCode, created.stderr).toBe(0);
    const project = path.join(dir, 'layers-project');
    // What a developer's checkout holds besides the project: a virtualenv, caches, test output.
    const big = Buffer.alloc(8 * 1024 * 1024, 1);
    fs.mkdirSync(path.join(project, '.venv/lib'), { recursive: true });
    fs.writeFileSync(path.join(project, '.venv/lib/big.bin'), big);
    fs.writeFileSync(path.join(project, 'tests/big.bin'), big);
    fs.mkdirSync(path.join(project, 'models/layered/1/__pycache__'));
    fs.writeFileSync(path.join(project, 'models/layered/1/__pycache__/model.cpython-311.pyc'), 'stale bytecode');
    fs.writeFileSync(path.join(project, '.env'), 'API_TOKEN=secret\n');

    const first = await cli(['build', 'layers-project', '--verbose'], dir);
    expect(first.exitCode, `${first.stdout}\n${first.stderr}`).toBe(0);
    // Two 8 MB files were left out of the context (.dockerignore): it is a few kB.
    const context = /Sending build context to Docker daemon\s+([0-9.]+)([kMG]?B)/.exec(first.stdout);
    expect(context, first.stdout).not.toBeNull();
    expect(context![2] === 'B' || context![2] === 'kB', context![0]).toBe(true);

    const modelPy = path.join(project, 'models/layered/1/model.py');
    fs.appendFileSync(modelPy, '\n# edited: only model code changed\n');
    const second = await cli(['build', 'layers-project', '--verbose'], dir);
    expect(second.exitCode, `${second.stdout}\n${second.stderr}`).toBe(0);
    expect(stepOutput(second.stdout, /RUN pip install/)).toContain('Using cache');
    expect(stepOutput(second.stdout, /COPY models \/models/)).not.toContain('Using cache');
    expect(stepOutput(second.stdout, /COPY --from=models \/models \/models/)).not.toContain('Using cache');

    // A new requirement does rebuild the pip layer (satisfied offline by the stand-in's Debian numpy).
    fs.appendFileSync(path.join(project, 'requirements.txt'), 'numpy\n');
    const third = await cli(['build', 'layers-project', '--verbose'], dir);
    expect(third.exitCode, `${third.stdout}\n${third.stderr}`).toBe(0);
    const pipStep = stepOutput(third.stdout, /RUN pip install/);
    expect(pipStep).not.toContain('Using cache');
    expect(pipStep).toMatch(/Requirement already satisfied: numpy/);

    const listed = await docker(['run', '--rm', 'layers-project', 'sh', '-c', 'ls -A /; echo @@; ls -A /models/layered/1; echo @@; ls -A /opt/project; echo @@; tail -n 1 /models/layered/1/model.py']);
    expect(listed.exitCode, listed.stderr).toBe(0);
    const [root, version, opt, lastLine] = listed.stdout.split('\n@@\n').map((block) => block.split('\n').filter(Boolean));
    expect(root).toContain('models');
    for (const kept of ['tests', '.venv', 'typings', '.env', 'client.py', 'Dockerfile', 'README.md']) expect(root).not.toContain(kept);
    expect(version).toEqual(['assets', 'model.py']);
    expect(opt?.sort()).toEqual(['constraints.txt', 'requirements.txt']);
    expect(lastLine).toEqual(['# edited: only model code changed']);
  });
});
