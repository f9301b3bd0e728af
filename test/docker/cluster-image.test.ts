/**
 * The generated image in a cluster's conditions: it loads and answers with a read-only root filesystem
 * (only /tmp a tmpfs, /dev/shm docker's own) as uid 1000 and as an arbitrary uid in group 0, the way
 * OpenShift runs images, from model files the build context gave no group or other bits (a umask of
 * 077), with a model that keeps a cache under HOME as many libraries do (torch hub, Hugging Face,
 * matplotlib); and a server that loaded and answered has written nothing outside /tmp (docker diff):
 * no cache in a home folder, no __pycache__ beside model.py (the stub's isolated interpreter ignores
 * PYTHONDONTWRITEBYTECODE: /models not being writable is what keeps bytecode out).
 */

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, docker, freePorts, waitFor, workDir } from './helpers.js';

const PROJECT = 'cluster-project';
const BODY = { inputs: [{ name: 'features', datatype: 'FP32', shape: [2, 3], data: [1, 2, 3, 4, 5, 6] }] };
/** An OpenShift-like uid: outside /etc/passwd, in group 0. */
const ARBITRARY_UID = 1_000_680_000 + Math.floor(Math.random() * 10_000);
const started: string[] = [];

/** Every file and folder below `dir` made private to its owner, as a checkout under umask 077 has them. */
function makePrivate(dir: string): void {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const child = path.join(dir, entry.name);
    if (entry.isDirectory()) makePrivate(child);
    fs.chmodSync(child, entry.isDirectory() ? 0o700 : 0o600);
  }
}

/** `docker run` of the project's image with `flags`; resolves once Triton is ready, with its HTTP base URL and container name. */
async function start(flags: string[]): Promise<{ url: string; name: string }> {
  const name = `cluster-${Math.random().toString(16).slice(2, 8)}`;
  const [http] = await freePorts(1);
  const ran = await docker(['run', '--detach', `--name=${name}`, '--shm-size=256m', `--publish=127.0.0.1:${http}:8000`, ...flags, PROJECT]);
  expect(ran.exitCode, ran.stderr).toBe(0);
  started.push(name);
  const url = `http://127.0.0.1:${http}`;
  await waitFor(
    `Triton in ${name} (${flags.join(' ')}) to be ready`,
    async () => {
      const state = await docker(['inspect', '--format', '{{.State.Running}}', name]);
      if (state.stdout.trim() !== 'true') {
        const logs = await docker(['logs', name]);
        throw new Error(`the container stopped:\n${logs.stdout}\n${logs.stderr}`);
      }
      try {
        return (await fetch(`${url}/v2/health/ready`, { signal: AbortSignal.timeout(2_000) })).status === 200 ? true : undefined;
      } catch {
        return undefined;
      }
    },
    120_000,
    500,
  );
  return { url, name };
}

async function infer(url: string): Promise<{ status: number; outputs: string[] }> {
  const answer = await fetch(`${url}/v2/models/scorer/infer`, { method: 'POST', body: JSON.stringify(BODY), headers: { 'content-type': 'application/json' }, signal: AbortSignal.timeout(30_000) });
  const body = (await answer.json()) as { outputs?: { name: string }[] };
  return { status: answer.status, outputs: (body.outputs ?? []).map((o) => o.name).sort() };
}

beforeAll(async () => {
  const dir = workDir('cluster');
  const created = await cli([PROJECT, '--yes', '--template', 'blank', '--name', 'scorer', '--input', 'features:FP32:2,3', '--output', 'scores:FP32:2,3', '--output', 'label:INT64:1'], dir);
  expect(created.exitCode, created.stderr).toBe(0);
  const modelPy = path.join(dir, PROJECT, 'models/scorer/1/model.py');
  const signature = '    def initialize(self, args: dict[str, str]) -> None:\n';
  const source = fs.readFileSync(modelPy, 'utf8');
  expect(source).toContain(signature);
  fs.writeFileSync(modelPy, source.replace(signature, `${signature}        os.makedirs(os.path.join(os.path.expanduser("~"), ".cache", "scorer"), exist_ok=True)\n`));
  makePrivate(path.join(dir, PROJECT, 'models'));
  const built = await cli(['build', PROJECT], dir);
  expect(built.exitCode, `${built.stdout}\n${built.stderr}`).toBe(0);
});

afterAll(async () => {
  for (const name of started) await docker(['rm', '--force', name]);
});

describe('the generated image in a cluster', () => {
  it.each([
    ['as uid 1000 with a read-only root filesystem', ['--user=1000', '--read-only', '--tmpfs=/tmp']],
    [`as an arbitrary uid (${ARBITRARY_UID}) in group 0 with a read-only root filesystem`, [`--user=${ARBITRARY_UID}:0`, '--read-only', '--tmpfs=/tmp']],
  ])('loads and answers %s', async (_, flags) => {
    const { url, name } = await start(flags);
    expect(await infer(url)).toEqual({ status: 200, outputs: ['label', 'scores'] });
    const who = await docker(['exec', name, 'sh', '-c', 'stat -c %u:%g /proc/1; touch /models/x 2>&1 || true']);
    expect(who.stdout.split('\n')[0]).toBe(flags[0]!.replace('--user=', '').replace(/^1000$/, '1000:1000'));
    expect(who.stdout).toMatch(/Read-only file system/);
  });

  it('writes nothing outside /tmp while it loads and answers: no cache under a home folder, no bytecode beside model.py', async () => {
    const { url, name } = await start(['--user=1000']);
    expect((await infer(url)).status).toBe(200);
    const changes = await docker(['diff', name]);
    expect(changes.exitCode, changes.stderr).toBe(0);
    const paths = changes.stdout.split('\n').filter(Boolean).map((line) => line.slice(2));
    expect(paths).toContain('/tmp/.cache/scorer');
    expect(paths.filter((changed) => changed !== '/tmp' && !changed.startsWith('/tmp/'))).toEqual([]);
  });
});
