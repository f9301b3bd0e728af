/**
 * What `deploy` writes, through the ecosystem's own tools (the deploy suite: npm run test:deploy, Go
 * needed to build them): for a project made with --yes and one whose model asks for GPU instances,
 * `helm lint --strict` passes with the chart's values and its alternatives (queue-time autoscaling,
 * a ServiceMonitor, autoscaling off), `helm template` and `kustomize build deploy/kubernetes` (with and
 * without the queue-time component and the ServiceMonitor) make objects that are valid, strictly,
 * against Kubernetes 1.30 and 1.37, and the chart makes the same pod as the kustomize base.
 */

import { execa } from 'execa';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOOLS, TOOLS_BIN } from '../../scripts/deploy-tools.mjs';
import { makeTempDir, runCli } from '../helpers/cli.js';
import { manifestProblems, yamlObjects, type K8sObject } from '../helpers/manifests.js';

let root: string;
const HELM = path.join(TOOLS_BIN, 'helm');
const KUSTOMIZE = path.join(TOOLS_BIN, 'kustomize');

const PROJECTS = {
  demo: { create: ['--yes'], deploy: ['--yes'] },
  gpu: {
    create: ['--yes', '--template', 'blank', '--name', 'scorer', '--input', 'x:FP32:4', '--output', 'y:FP32:4', '--instance-group', 'gpu:2:0,1'],
    deploy: ['--yes', '--namespace', 'inference', '--image', 'registry.example.com/team/gpu:1.0', '--storage-uri', 's3://bucket/gpu/models', '--shm-size', '2g'],
  },
} as const;
type ProjectName = keyof typeof PROJECTS;

/** helm or kustomize, with Helm's caches and configuration kept in the test's folder. */
async function tool(binary: string, args: string[]): Promise<{ exitCode: number; output: string; stdout: string }> {
  const home = path.join(root, '.helm-home');
  const result = await execa(binary, args, {
    reject: false,
    timeout: 60_000,
    env: { HELM_CACHE_HOME: path.join(home, 'cache'), HELM_CONFIG_HOME: path.join(home, 'config'), HELM_DATA_HOME: path.join(home, 'data') },
  });
  return { exitCode: result.exitCode ?? -1, output: `${result.stdout}\n${result.stderr}`, stdout: String(result.stdout) };
}

const chart = (project: ProjectName) => path.join(root, project, 'deploy/helm', project);
const base = (project: ProjectName) => path.join(root, project, 'deploy/kubernetes');

async function helmTemplate(project: ProjectName, sets: string[] = []): Promise<K8sObject[]> {
  const rendered = await tool(HELM, ['template', project, chart(project), '--namespace', 'inference', ...sets.flatMap((s) => ['--set', s])]);
  expect(rendered.exitCode, rendered.output).toBe(0);
  return yamlObjects(rendered.stdout);
}

async function kustomizeBuild(dir: string): Promise<K8sObject[]> {
  const built = await tool(KUSTOMIZE, ['build', dir]);
  expect(built.exitCode, built.output).toBe(0);
  return yamlObjects(built.stdout);
}

const kinds = (objects: K8sObject[]) => objects.map((o) => o.kind).sort();
const podOf = (objects: K8sObject[]) => objects.find((o) => o.kind === 'Deployment')!.spec.template.spec;

beforeAll(async () => {
  root = makeTempDir('ctm-deploy-tools-');
  for (const [name, { create, deploy }] of Object.entries(PROJECTS)) {
    const created = await runCli([name, ...create], { cwd: root });
    expect(created.exitCode, created.stderr).toBe(0);
    const deployed = await runCli(['deploy', name, ...deploy], { cwd: root });
    expect(deployed.exitCode, deployed.stderr).toBe(0);
  }
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

it('the tools are the pinned builds from the Go module proxy', async () => {
  for (const { name, module, version } of TOOLS) {
    const info = await execa('go', ['version', '-m', path.join(TOOLS_BIN, name)], { reject: false, env: { PATH: `${process.env.PATH}:/usr/local/go/bin` } });
    expect(info.stdout, name).toMatch(new RegExp(`\\bpath\\s+${module.replaceAll('.', '\\.')}\\b`));
    expect(info.stdout, name).toMatch(new RegExp(`\\bmod\\s+\\S+\\s+${version.replaceAll('.', '\\.')}\\b`));
  }
});

describe.each(Object.keys(PROJECTS) as ProjectName[])('%s', (project) => {
  it('helm lint --strict passes, with the chart values and with each alternative', async () => {
    for (const sets of [[], ['autoscaling.queueTime.enabled=true', 'metrics.serviceMonitor.enabled=true'], ['autoscaling.enabled=false', 'podDisruptionBudget.enabled=false', 'gpus=0']]) {
      const lint = await tool(HELM, ['lint', '--strict', chart(project), ...sets.flatMap((s) => ['--set', s])]);
      expect(lint.exitCode, lint.output).toBe(0);
      expect(lint.output).toContain('1 chart(s) linted, 0 chart(s) failed');
    }
  });

  it('helm template makes valid objects (strict, Kubernetes 1.30 and 1.37), and the values switch what they say', async () => {
    const defaults = await helmTemplate(project);
    expect(kinds(defaults)).toEqual(['Deployment', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'Service']);
    expect(await manifestProblems(defaults)).toEqual([]);

    const alternatives = await helmTemplate(project, ['autoscaling.queueTime.enabled=true', 'metrics.serviceMonitor.enabled=true']);
    expect(kinds(alternatives)).toEqual(['Deployment', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'Service', 'ServiceMonitor']);
    expect(alternatives.find((o) => o.kind === 'HorizontalPodAutoscaler')!.spec.metrics).toEqual([
      { type: 'Pods', pods: { metric: { name: 'triton_queue_duration_us' }, target: { type: 'AverageValue', averageValue: '50000' } } },
    ]);
    expect(await manifestProblems(alternatives)).toEqual([]);

    const fixed = await helmTemplate(project, ['autoscaling.enabled=false', 'replicaCount=3', 'gpus=0', 'sharedMemory=4Gi']);
    expect(kinds(fixed)).toEqual(['Deployment', 'PodDisruptionBudget', 'Service']);
    const deployment = fixed.find((o) => o.kind === 'Deployment')!;
    expect(deployment.spec.replicas).toBe(3);
    expect(deployment.spec.template.spec.containers[0].resources.limits['nvidia.com/gpu']).toBeUndefined();
    expect(deployment.spec.template.spec.volumes).toContainEqual({ name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: '4Gi' } });
    expect(await manifestProblems(fixed)).toEqual([]);
  });

  it('kustomize build deploy/kubernetes makes valid objects, and so do the queue-time component and the ServiceMonitor when included', async () => {
    const built = await kustomizeBuild(base(project));
    expect(kinds(built)).toEqual(['Deployment', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'Service']);
    if (project === 'gpu') expect(built.every((o) => o.metadata.namespace === 'inference')).toBe(true);
    expect(await manifestProblems(built)).toEqual([]);

    // What the kustomization's comments say to do: include servicemonitor.yaml, and components: [queue-time].
    const copy = path.join(root, `${project}-kustomize-options`);
    fs.cpSync(base(project), copy, { recursive: true });
    const kustomization = fs.readFileSync(path.join(copy, 'kustomization.yaml'), 'utf8');
    const enabled = kustomization.replace('  # - servicemonitor.yaml', '  - servicemonitor.yaml').replace('# components:\n#   - queue-time', 'components:\n  - queue-time');
    expect(enabled).not.toBe(kustomization);
    fs.writeFileSync(path.join(copy, 'kustomization.yaml'), enabled);
    const options = await kustomizeBuild(copy);
    expect(kinds(options)).toEqual(['Deployment', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'Service', 'ServiceMonitor']);
    expect(options.find((o) => o.kind === 'HorizontalPodAutoscaler')!.spec.metrics[0].pods.metric.name).toBe('triton_queue_duration_us');
    expect(await manifestProblems(options)).toEqual([]);
  });

  it('the chart and the kustomize base run the same pod', async () => {
    expect(podOf(await helmTemplate(project))).toEqual(podOf(await kustomizeBuild(base(project))));
  });
});
