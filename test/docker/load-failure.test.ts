/** A model whose initialize() raises: `run` shows the container's log with the error, stops, exits 1. */

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, containerNames, freePorts, waitFor, workDir } from './helpers.js';

describe('a model that fails to load, in a real Docker engine', () => {
  it('run reports the load failure with the container log lines and exits 1', async () => {
    const dir = workDir('load-failure');
    const created = await cli(['broken-project', '--yes', '--template', 'blank', '--name', 'broken'], dir);
    expect(created.exitCode, created.stderr).toBe(0);
    const modelPy = path.join(dir, 'broken-project/models/broken/1/model.py');
    const source = fs.readFileSync(modelPy, 'utf8');
    const signature = '    def initialize(self, args: dict[str, str]) -> None:\n';
    expect(source).toContain(signature);
    fs.writeFileSync(modelPy, source.replace(signature, `${signature}        raise RuntimeError("weights.bin is missing from assets/")\n`));

    const before = await containerNames();
    const [http, grpc, metrics] = await freePorts(3);
    const ran = await cli(['run', 'broken-project', '--port-http', String(http), '--port-grpc', String(grpc), '--port-metrics', String(metrics), '--timeout', '120'], dir);
    expect(ran.exitCode, `${ran.stdout}\n${ran.stderr}`).toBe(1);
    const logStart = ran.stdout.indexOf('Last lines of the container log');
    expect(logStart, ran.stdout).toBeGreaterThanOrEqual(0);
    const shownLog = ran.stdout.slice(logStart);
    // The model's own error, as Triton printed it, inside the log excerpt: its table of models, with
    // the Python backend's "At:" trace of where initialize raised.
    expect(shownLog).toMatch(/│ \| broken +\| 1 +\| UNAVAILABLE: Internal: RuntimeError: weights\.bin is missing from assets\/ +\|$/m);
    expect(shownLog).toMatch(/│ \| +\| +\| +\/models\/broken\/1\/model\.py\([0-9]+\): initialize +\|$/m);
    expect(ran.stderr).toMatch(/model failed to load: see the log above/);
    expect(ran.stderr.trim().split('\n')).toHaveLength(1);
    // Nothing left: the container exited by itself (no model loaded) and the daemon's --rm removes it
    // right after, which may still be under way when the CLI has exited.
    await waitFor('the failed container to be removed', async () => ((await containerNames()).length === before.length ? true : undefined), 30_000);
    expect(await containerNames()).toEqual(before);
  });
});
