/**
 * The pod `deploy` describes, run for real: the Deployment's container is started from the manifest
 * itself (deploy/kubernetes/deployment.yaml, parsed: image, args, user, environment, ports, a
 * read-only root filesystem, capabilities, no privilege escalation, memory and CPU limits, /dev/shm
 * of the emptyDir's size limit, the /tmp volume), then each probe runs as the kubelet runs it (an HTTP
 * GET on the manifest's port and path, with its initial delay, period, timeout and failure threshold):
 * startup within its budget, then readiness and liveness. A model that fails to load keeps the
 * readiness probe failing, and the container's log says why.
 */

import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { bytesOf } from '../../src/model-spec/deployment.js';
import { cli, docker, freePorts, workDir } from './helpers.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Manifest = Record<string, any>;
interface Probe {
  httpGet: { path: string; port: string | number };
  initialDelaySeconds?: number;
  periodSeconds?: number;
  timeoutSeconds?: number;
  failureThreshold?: number;
  successThreshold?: number;
}
interface ProbeRun {
  passed: boolean;
  attempts: { atSeconds: number; status: number | string }[];
}

const started: string[] = [];
afterAll(async () => {
  for (const name of started) await docker(['rm', '--force', name]);
});

/** A project made, deployed (kubernetes/ only) and built; `edit` changes it before the build. */
async function deployedProject(folder: string, edit?: (project: string) => void): Promise<Manifest> {
  const dir = workDir(folder);
  const created = await cli([folder, '--yes', '--template', 'blank', '--name', 'scorer', '--input', 'features:FP32:2,3', '--output', 'scores:FP32:2,3'], dir);
  expect(created.exitCode, created.stderr).toBe(0);
  const project = path.join(dir, folder);
  edit?.(project);
  const deployed = await cli(['deploy', folder, '--yes', '--target', 'kubernetes', '--shm-size', '256m'], dir);
  expect(deployed.exitCode, deployed.stderr).toBe(0);
  const built = await cli(['build', folder], dir);
  expect(built.exitCode, `${built.stdout}\n${built.stderr}`).toBe(0);
  return parse(fs.readFileSync(path.join(project, 'deploy/kubernetes/deployment.yaml'), 'utf8')) as Manifest;
}

/** `docker run` of the Deployment's (only) container as the kubelet would start it; the host port of each named container port. */
async function runFromManifest(deployment: Manifest): Promise<{ name: string; hostPorts: Map<string | number, number> }> {
  const pod = deployment.spec.template.spec;
  const [container] = pod.containers as Manifest[];
  expect(pod.containers).toHaveLength(1);
  const security = { ...pod.securityContext, ...container!.securityContext };
  const volumes = new Map<string, Manifest>((pod.volumes as Manifest[]).map((v) => [v.name, v]));
  const name = `pod-${Math.random().toString(16).slice(2, 8)}`;
  const hostPorts = new Map<string | number, number>();
  const ports = await freePorts(container!.ports.length);
  const args = ['run', '--detach', `--name=${name}`];
  container!.ports.forEach((port: Manifest, index: number) => {
    hostPorts.set(port.name, ports[index]!).set(port.containerPort, ports[index]!);
    args.push(`--publish=127.0.0.1:${ports[index]}:${port.containerPort}`);
  });
  if (security.runAsUser !== undefined) args.push(`--user=${security.runAsUser}${security.runAsGroup === undefined ? '' : `:${security.runAsGroup}`}`);
  expect(security.runAsNonRoot).toBe(true);
  if (security.readOnlyRootFilesystem) args.push('--read-only');
  if (security.allowPrivilegeEscalation === false) args.push('--security-opt=no-new-privileges');
  for (const capability of security.capabilities?.drop ?? []) args.push(`--cap-drop=${capability}`);
  // seccompProfile RuntimeDefault is docker's default profile.
  expect(security.seccompProfile).toEqual({ type: 'RuntimeDefault' });
  for (const variable of container!.env ?? []) args.push(`--env=${variable.name}=${variable.value}`);
  const limits = container!.resources?.limits ?? {};
  if (limits.memory) args.push(`--memory=${bytesOf(limits.memory)}`);
  if (limits.cpu) args.push(`--cpus=${limits.cpu}`);
  for (const mount of container!.volumeMounts as Manifest[]) {
    const volume = volumes.get(mount.name)!;
    expect(volume.emptyDir, mount.name).toBeDefined();
    const size = bytesOf(volume.emptyDir.sizeLimit);
    // /dev/shm is docker's own tmpfs, sized by --shm-size; any other emptyDir is a tmpfs of its size limit, writable by the pod's user.
    if (mount.mountPath === '/dev/shm') args.push(`--shm-size=${size}`);
    else args.push(`--tmpfs=${mount.mountPath}:rw,size=${size},mode=1777`);
  }
  args.push(container!.image, ...(container!.args ?? []));
  const ran = await docker(args);
  expect(ran.exitCode, ran.stderr).toBe(0);
  started.push(name);
  return { name, hostPorts };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One probe as the kubelet runs it: after initialDelaySeconds, an HTTP GET every periodSeconds, each
 * failing after timeoutSeconds; success at a status from 200 to 399. It passes at successThreshold
 * successes in a row and fails at failureThreshold failures in a row (or after `maxAttempts`).
 */
async function runProbe(probe: Probe, hostPorts: Map<string | number, number>, maxAttempts = Infinity): Promise<ProbeRun> {
  const period = (probe.periodSeconds ?? 10) * 1000;
  const timeout = (probe.timeoutSeconds ?? 1) * 1000;
  const failureThreshold = probe.failureThreshold ?? 3;
  const successThreshold = probe.successThreshold ?? 1;
  const port = hostPorts.get(probe.httpGet.port);
  expect(port, `the probe's port ${probe.httpGet.port}`).toBeDefined();
  const start = Date.now();
  await sleep((probe.initialDelaySeconds ?? 0) * 1000);
  const attempts: ProbeRun['attempts'] = [];
  let failures = 0;
  let successes = 0;
  for (;;) {
    const at = Date.now();
    let status: number | string;
    try {
      status = (await fetch(`http://127.0.0.1:${port}${probe.httpGet.path}`, { signal: AbortSignal.timeout(timeout) })).status;
    } catch (error) {
      status = (error as Error).name === 'TimeoutError' ? 'timeout' : 'connection refused';
    }
    attempts.push({ atSeconds: Math.round((at - start) / 100) / 10, status });
    const ok = typeof status === 'number' && status >= 200 && status < 400;
    successes = ok ? successes + 1 : 0;
    failures = ok ? 0 : failures + 1;
    if (successes >= successThreshold) return { passed: true, attempts };
    if (failures >= failureThreshold || attempts.length >= maxAttempts) return { passed: false, attempts };
    await sleep(Math.max(0, at + period - Date.now()));
  }
}

describe('the Deployment of deploy/kubernetes, its container run from the manifest', () => {
  it('starts as the manifest says and passes its startup probe within the budget, then readiness and liveness; it answers', async () => {
    const deployment = await deployedProject('pod-project');
    const container = deployment.spec.template.spec.containers[0];
    const { name, hostPorts } = await runFromManifest(deployment);
    const budget = (container.startupProbe.initialDelaySeconds ?? 0) + container.startupProbe.periodSeconds * container.startupProbe.failureThreshold;
    const startup = await runProbe(container.startupProbe, hostPorts);
    expect(startup.passed, JSON.stringify(startup.attempts)).toBe(true);
    expect(startup.attempts.at(-1)!.atSeconds).toBeLessThan(budget);
    for (const probe of [container.readinessProbe, container.livenessProbe]) {
      const run = await runProbe(probe, hostPorts);
      expect(run, probe.httpGet.path).toEqual({ passed: true, attempts: [{ atSeconds: expect.any(Number), status: 200 }] });
    }
    // As the manifest asked: uid 1000, no capabilities, the read-only root filesystem, /dev/shm of the emptyDir's size.
    const inside = await docker(['exec', name, 'sh', '-c', 'id -u; grep CapEff /proc/1/status; touch /x 2>&1; df -B1 --output=size /dev/shm | tail -n 1']);
    const [uid, caps, touched, shm] = inside.stdout.trim().split('\n');
    expect(uid).toBe('1000');
    expect(caps).toMatch(/CapEff:\s+0+$/);
    expect(touched).toMatch(/Read-only file system/);
    expect(Number(shm)).toBe(256 * 1024 ** 2);
    const answer = await fetch(`http://127.0.0.1:${hostPorts.get('http')}/v2/models/scorer/infer`, {
      method: 'POST',
      body: JSON.stringify({ inputs: [{ name: 'features', datatype: 'FP32', shape: [2, 3], data: [1, 2, 3, 4, 5, 6] }] }),
      signal: AbortSignal.timeout(30_000),
    });
    expect(answer.status).toBe(200);
  });

  it('a model that fails to load keeps the readiness probe failing; the log says why', async () => {
    const deployment = await deployedProject('broken-pod', (project) => {
      const modelPy = path.join(project, 'models/scorer/1/model.py');
      const signature = '    def initialize(self, args: dict[str, str]) -> None:\n';
      const source = fs.readFileSync(modelPy, 'utf8');
      expect(source).toContain(signature);
      fs.writeFileSync(modelPy, source.replace(signature, `${signature}        raise RuntimeError("weights.bin is missing")\n`));
    });
    const container = deployment.spec.template.spec.containers[0];
    const { name, hostPorts } = await runFromManifest(deployment);
    const readiness = await runProbe(container.readinessProbe, hostPorts);
    expect(readiness.passed).toBe(false);
    expect(readiness.attempts).toHaveLength(container.readinessProbe.failureThreshold);
    expect(readiness.attempts.every((a) => a.status !== 200)).toBe(true);
    const logs = await docker(['logs', name]);
    expect(`${logs.stdout}\n${logs.stderr}`).toMatch(/failed to load 'scorer' version 1: Internal: RuntimeError: weights\.bin is missing/);
  });
});
