/** `run` in the foreground: Ctrl-C stops the container it started (and removes it), exit 130. */

import { describe, expect, it } from 'vitest';
import { cli, containerNames, freePorts, startCli, waitFor, workDir } from './helpers.js';

describe('run without --detach in a real Docker engine', () => {
  it('builds the missing image, serves, and on SIGINT stops and removes its container, exit 130', async () => {
    const dir = workDir('interrupt');
    const created = await cli(['ctrl-c-project', '--yes', '--template', 'blank'], dir);
    expect(created.exitCode, created.stderr).toBe(0);

    const [http, grpc, metrics] = await freePorts(3);
    const run = startCli(['run', 'ctrl-c-project', '--port-http', String(http), '--port-grpc', String(grpc), '--port-metrics', String(metrics), '--timeout', '120'], dir);
    const output = await waitFor('run to follow the container log', () => (/Following the log of container/.test(run.output()) ? run.output() : undefined), 180_000, 250).catch((error: Error) => {
      run.process.kill('SIGKILL');
      throw new Error(`${error.message}; output so far:\n${run.output()}`);
    });
    // No image yet: run built it first.
    expect(output).toContain('Image ctrl-c-project does not exist yet: building it.');
    const name = /Following the log of container (\S+) /.exec(output)?.[1];
    expect(name, output).toBeDefined();
    expect(await containerNames()).toContain(name);
    const answered = await fetch(`http://127.0.0.1:${http}/v2/health/ready`, { signal: AbortSignal.timeout(10_000) });
    expect(answered.status).toBe(200);

    run.process.kill('SIGINT');
    const result = await run.process;
    expect(result.exitCode, run.output()).toBe(130);
    expect(run.output()).toContain(`Stopped container ${name}.`);
    // docker stop returned before the CLI exited; --rm removes the container right after.
    await waitFor(`container ${name} to be removed`, async () => ((await containerNames()).includes(name!) ? undefined : true), 30_000);
    await expect(fetch(`http://127.0.0.1:${http}/v2/health/ready`, { signal: AbortSignal.timeout(5_000) })).rejects.toThrow();
  });
});
