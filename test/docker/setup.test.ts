/** The suite's own ground: its daemon answers, and the stand-in is what generated Dockerfiles build FROM. */

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, docker, suite, waitFor, workDir } from './helpers.js';

describe('the docker suite environment', () => {
  it('talks to its own daemon, never the host one', async () => {
    expect(suite().env.DOCKER_HOST).toBe(`unix://${path.join(suite().root, 'docker.sock')}`);
    const info = await docker(['info', '--format', '{{.DockerRootDir}}']);
    expect(info.exitCode).toBe(0);
    expect(info.stdout.trim()).toBe(path.join(suite().root, 'data'));
  });

  it('has the stand-in tagged as the image a generated Dockerfile builds FROM', async () => {
    const dir = workDir('from');
    const created = await cli(['project', '--yes', '--template', 'blank'], dir);
    expect(created.exitCode).toBe(0);
    const from = /^FROM (\S+)$/m.exec(fs.readFileSync(path.join(dir, 'project', 'Dockerfile'), 'utf8'))?.[1];
    expect(from).toBe(suite().standInImage);
    expect((await docker(['image', 'inspect', '--format', '{{.Id}}', suite().standInImage])).exitCode).toBe(0);
  });
});

/** Everything a container printed: Triton logs to stdout and stderr. */
const logText = (logs: { stdout: string; stderr: string }) => `${logs.stdout}\n${logs.stderr}`;

describe("the stand-in's tritonserver", () => {
  it('is the real Triton: it serves the image\'s /models, and exits 0 on docker stop\'s SIGTERM after unloading', async () => {
    const dir = workDir('stand-in');
    expect((await cli(['stand-in-project', '--yes', '--template', 'blank', '--name', 'probe'], dir)).exitCode).toBe(0);
    const built = await cli(['build', 'stand-in-project'], dir);
    expect(built.exitCode, built.stderr).toBe(0);
    // The spaced form of --model-repository, among other flags of the real server.
    const started = await docker(['run', '--detach', 'stand-in-project', 'tritonserver', '--log-verbose=1', '--model-repository', '/models', '--strict-model-config=false']);
    expect(started.exitCode, started.stderr).toBe(0);
    const id = started.stdout.trim();
    try {
      await waitFor('Triton to listen', async () => (logText(await docker(['logs', id])).includes('Started HTTPService at 0.0.0.0:8000') ? true : undefined), 60_000, 250);
      const probe = await docker(['exec', id, 'python3', '-c', 'import json, urllib.request; print(json.load(urllib.request.urlopen("http://127.0.0.1:8000/v2"))["version"])']);
      expect(probe.stdout.trim(), probe.stderr).toBe('2.51.0');
      const stopped = await docker(['stop', '--time=20', id]);
      expect(stopped.exitCode, stopped.stderr).toBe(0);
      // 0, not 137: it finished on SIGTERM rather than being killed when the grace period ran out.
      expect((await docker(['inspect', '--format', '{{.State.ExitCode}}', id])).stdout.trim()).toBe('0');
      expect(logText(await docker(['logs', id]))).toMatch(/successfully unloaded 'probe' version 1/);
    } finally {
      await docker(['rm', '--force', id]);
    }
  });
});
