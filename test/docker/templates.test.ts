/**
 * Each numpy-only template, generated, built and run for real: `build`, then `run --detach` on free
 * 127.0.0.1 ports, READY, the test request's answer carrying the declared outputs, then stopped.
 * (image-stub needs opencv-python-headless from PyPI, which this offline suite cannot install: README.)
 */

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, containerNames, docker, freePorts, waitFor, workDir } from './helpers.js';

interface Case {
  template: string;
  folder: string;
  model: string;
  flags: string[];
  /** Checks what the CLI printed about the answer: one line per declared output (name, datatype, shape). */
  checkAnswer: (stdout: string) => void;
}

const CASES: Case[] = [
  {
    template: 'blank',
    folder: 'blank-project',
    model: 'scorer',
    flags: ['--name', 'scorer', '--input', 'features:FP32:2,3', '--output', 'scores:FP32:2,3', '--output', 'label:INT64:1'],
    checkAnswer: (stdout) => {
      expect(stdout).toMatch(/^ {2}scores +FP32 +\[2, 3\] +\S/m);
      expect(stdout).toMatch(/^ {2}label +INT64 +\[1\] +\S/m);
    },
  },
  {
    template: 'decoupled',
    folder: 'decoupled-project',
    model: 'streamer',
    flags: ['--name', 'streamer'],
    // generate_stream: every streamed response carries the declared STRING output, as BYTES.
    checkAnswer: (stdout) => {
      const count = Number(/^ {2}([0-9]+) streamed responses?:$/m.exec(stdout)?.[1]);
      expect(count).toBeGreaterThan(1);
      const responses = [...stdout.matchAll(/^ {2}#([0-9]+) +text_output +BYTES +\[1\] +"[^"]+"$/gm)].map((match) => Number(match[1]));
      expect(responses).toEqual(Array.from({ length: count }, (_, i) => i + 1));
    },
  },
];

describe.each(CASES)('template $template in a real Docker engine', ({ template, folder, model, flags, checkAnswer }) => {
  it('builds, runs detached on 127.0.0.1, answers its declared outputs, and stops', async () => {
    const dir = workDir(template);
    const created = await cli([folder, '--yes', '--template', template, ...flags], dir);
    expect(created.exitCode, created.stderr).toBe(0);
    const project = path.join(dir, folder);

    const built = await cli(['build', folder], dir);
    expect(built.exitCode, `${built.stdout}\n${built.stderr}`).toBe(0);
    expect(built.stdout).toContain(`Built image ${folder}`);
    expect((await docker(['image', 'inspect', '--format', '{{.Id}}', folder])).exitCode).toBe(0);

    const [http, grpc, metrics] = await freePorts(3);
    const ran = await cli(['run', folder, '--detach', '--port-http', String(http), '--port-grpc', String(grpc), '--port-metrics', String(metrics), '--timeout', '120'], dir);
    expect(ran.exitCode, `${ran.stdout}\n${ran.stderr}`).toBe(0);
    expect(ran.stdout).toContain(`Triton is ready: ${model}`);
    checkAnswer(ran.stdout);
    expect(ran.stdout).not.toMatch(/did not answer/);
    const name = /Triton keeps running in container (\S+) /.exec(ran.stdout)?.[1];
    expect(name, ran.stdout).toBeDefined();

    // Published on loopback only, with the Python backend's shared memory, and reachable from here.
    const inspected = await docker(['inspect', '--format', '{{json .HostConfig}}', name!]);
    expect(inspected.exitCode, inspected.stderr).toBe(0);
    const hostConfig = JSON.parse(inspected.stdout) as { ShmSize: number; AutoRemove: boolean; PortBindings: Record<string, { HostIp: string; HostPort: string }[]> };
    expect(hostConfig.ShmSize).toBe(1024 ** 3);
    expect(hostConfig.AutoRemove).toBe(true);
    expect(hostConfig.PortBindings).toEqual({
      '8000/tcp': [{ HostIp: '127.0.0.1', HostPort: String(http) }],
      '8001/tcp': [{ HostIp: '127.0.0.1', HostPort: String(grpc) }],
      '8002/tcp': [{ HostIp: '127.0.0.1', HostPort: String(metrics) }],
    });
    const ready = await fetch(`http://127.0.0.1:${http}/v2/models/${model}/ready`, { signal: AbortSignal.timeout(10_000) });
    expect(ready.status).toBe(200);
    const config = (await (await fetch(`http://127.0.0.1:${http}/v2/models/${model}/config`, { signal: AbortSignal.timeout(10_000) })).json()) as { name: string };
    expect(config.name).toBe(model);

    // The server runs as the image's unprivileged user; the models are root's, readable by every user
    // and writable by none but root (pip's packages were installed as root too, before the switch).
    const owners = await docker(['exec', name!, 'sh', '-c', `stat -c %u /proc/1; stat -c '%U:%G %a' /models/${model} /models/${model}/config.pbtxt /models/${model}/1/model.py; id -un`]);
    expect(owners.exitCode, owners.stderr).toBe(0);
    expect(owners.stdout.trim().split('\n')).toEqual(['1000', 'root:root 755', 'root:root 644', 'root:root 644', 'triton-server']);
    // The image's HEALTHCHECK command, run in the container: the server is ready, so it succeeds.
    const healthcheck = await docker(['inspect', '--format', '{{json .Config.Healthcheck.Test}}', name!]);
    const test = JSON.parse(healthcheck.stdout) as string[];
    expect(test[0]).toBe('CMD');
    const healthy = await docker(['exec', name!, ...test.slice(1)]);
    expect(healthy.exitCode, healthy.stderr).toBe(0);

    // The stop the CLI told the user to type; --rm then removes the container.
    expect(ran.stdout).toContain(`docker stop ${name}`);
    const stopped = await docker(['stop', name!]);
    expect(stopped.exitCode, stopped.stderr).toBe(0);
    await waitFor(`container ${name} to be removed`, async () => ((await containerNames()).includes(name!) ? undefined : true), 30_000);
    expect(fs.existsSync(path.join(project, 'Dockerfile'))).toBe(true);
  });
});
