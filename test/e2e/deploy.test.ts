/**
 * `deploy`: for a project made with --yes and one whose model asks for GPU instances, the three
 * targets as written, every object checked with the ecosystem's schemas (Kubernetes' own, strictly,
 * for two Kubernetes versions; ours for the InferenceService and the ServiceMonitor: test/helpers/
 * manifests.ts), what the workload carries for Triton, and the command's behaviour: defaults, bad
 * input in one line with nothing written, --dry-run, --json, --force. helm and kustomize themselves
 * run in the deploy suite (test/deploy/), which needs Go.
 */

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listTree, makeTempDir, readText, runCli } from '../helpers/cli.js';
import { manifestProblems, yamlFilesUnder, yamlObjects, type K8sObject } from '../helpers/manifests.js';

let root: string;
const deployed: Record<string, Awaited<ReturnType<typeof runCli>>> = {};

const GPU_FLAGS = ['--storage-uri', 's3://models-bucket/gpu/models', '--namespace', 'inference', '--image', 'registry.example.com:5000/team/gpu:1.0', '--shm-size', '2g', '--replicas', '2'];

beforeAll(async () => {
  root = makeTempDir('ctm-deploy-');
  for (const args of [
    ['demo', '--yes'],
    ['gpu', '--yes', '--template', 'blank', '--name', 'scorer', '--input', 'x:FP32:4', '--output', 'y:FP32:4', '--instance-group', 'gpu:1:0,1', '--instance-group', 'cpu:1'],
  ]) {
    const created = await runCli(args, { cwd: root });
    expect(created.exitCode, created.stderr).toBe(0);
  }
  deployed.demo = await runCli(['deploy', 'demo', '--yes'], { cwd: root });
  deployed.gpu = await runCli(['deploy', '--yes', ...GPU_FLAGS], { cwd: path.join(root, 'gpu') });
}, 120_000);
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const deployDir = (project: string) => path.join(root, project, 'deploy');
const objectsOf = (project: string, file: string): K8sObject[] => yamlObjects(readText(deployDir(project), file));
const one = (project: string, file: string): K8sObject => {
  const objects = objectsOf(project, file);
  expect(objects, file).toHaveLength(1);
  return objects[0]!;
};

const KUBERNETES_FILES = ['kubernetes/deployment.yaml', 'kubernetes/hpa.yaml', 'kubernetes/kustomization.yaml', 'kubernetes/pdb.yaml', 'kubernetes/queue-time/kustomization.yaml', 'kubernetes/queue-time/prometheus-adapter-values.yaml', 'kubernetes/service.yaml', 'kubernetes/servicemonitor.yaml'];
const helmFiles = (chart: string) =>
  ['.helmignore', 'Chart.yaml', 'templates/NOTES.txt', 'templates/_helpers.tpl', 'templates/deployment.yaml', 'templates/hpa.yaml', 'templates/pdb.yaml', 'templates/service.yaml', 'templates/servicemonitor.yaml', 'values.yaml'].map((f) => `helm/${chart}/${f}`);

describe('deploy writes all three targets', () => {
  it('for a --yes project: kubernetes/, helm/<project>/, kserve/ with the project image (its requirements need it), and says which defaults it took', () => {
    expect(deployed.demo!.stderr).toBe('');
    expect(deployed.demo!.exitCode).toBe(0);
    expect(deployed.demo!.stdout.split('\n')[0]).toBe('Using defaults: image=demo, replicas=1, gpus=0, shmSize=1Gi');
    const files = listTree(deployDir('demo')).filter((f) => !f.endsWith('/'));
    expect(files).toEqual(['README.md', ...helmFiles('demo'), 'kserve/inferenceservice.yaml', ...KUBERNETES_FILES].sort());
    // image-stub needs opencv: KServe's stock Triton runtime cannot serve it, and the README says why.
    expect(readText(deployDir('demo'), 'README.md')).toContain("KServe's stock Triton runtime (`modelFormat: triton` with a `storageUri`) is not written: KServe's stock Triton runtime has no opencv-python-headless==4.10.0.82");
  });

  it('for a project with GPU instance groups and no extra requirements: the stock Triton runtime variant too', () => {
    expect(deployed.gpu!.exitCode, deployed.gpu!.stderr).toBe(0);
    const files = listTree(deployDir('gpu')).filter((f) => !f.endsWith('/'));
    expect(files).toEqual(['README.md', ...helmFiles('gpu'), 'kserve/inferenceservice-triton-runtime.yaml', 'kserve/inferenceservice.yaml', ...KUBERNETES_FILES].sort());
  });

  // The Helm chart's templates become objects through helm template: the deploy suite checks those.
  it.each(['demo', 'gpu'])('%s: every object is valid, strictly, against Kubernetes 1.30 and 1.37, the InferenceService and ServiceMonitor against their schemas', async (project) => {
    const objects = [...yamlFilesUnder(deployDir(project), (file) => !file.startsWith('helm/') && !file.includes('kustomization') && !file.includes('prometheus-adapter')).values()].flat();
    expect(objects.map((o) => o.kind).sort()).toEqual(
      ['Deployment', 'HorizontalPodAutoscaler', 'InferenceService', 'PodDisruptionBudget', 'Service', 'ServiceMonitor', ...(project === 'gpu' ? ['InferenceService'] : [])].sort(),
    );
    expect(await manifestProblems(objects)).toEqual([]);
  });

  it('the checks fail on what they should: an unknown field, a wrong type, a field the InferenceService does not have', async () => {
    const deployment = one('demo', 'kubernetes/deployment.yaml');
    deployment.spec.template.spec.containers[0].shmSize = '1Gi';
    const hpa = one('demo', 'kubernetes/hpa.yaml');
    hpa.spec.minReplicas = 'one';
    const service = one('demo', 'kserve/inferenceservice.yaml');
    service.spec.predictor.triton = { storageUri: 's3://x' };
    service.spec.predictor.containers[0].readinessProbe.httpGet.paht = '/v2/health/ready';
    const problems = await manifestProblems([deployment, hpa, service]);
    expect(problems.join('\n')).toMatch(/'shmSize' was unexpected/);
    expect(problems.join('\n')).toMatch(/'one' is not of type 'integer'/);
    expect(problems.join('\n')).toMatch(/InferenceService demo: data\/spec\/predictor must NOT have additional properties/);
    expect(problems.join('\n')).toMatch(/'paht' was unexpected/);
  });
});

describe('what the workload carries for Triton', () => {
  const container = (project: string) => one(project, 'kubernetes/deployment.yaml').spec.template.spec.containers[0];

  it('tritonserver --model-repository=/models, ports 8000 http / 8001 grpc / 8002 metrics, the probes on Triton health endpoints with room for loading', () => {
    for (const project of ['demo', 'gpu']) {
      const triton = container(project);
      expect(triton.args).toEqual(['tritonserver', '--model-repository=/models']);
      expect(triton.ports).toEqual([
        { name: 'http', containerPort: 8000 },
        { name: 'grpc', containerPort: 8001 },
        { name: 'metrics', containerPort: 8002 },
      ]);
      expect(triton.startupProbe.httpGet).toEqual({ path: '/v2/health/ready', port: 'http' });
      expect(triton.readinessProbe.httpGet).toEqual({ path: '/v2/health/ready', port: 'http' });
      expect(triton.livenessProbe.httpGet).toEqual({ path: '/v2/health/live', port: 'http' });
      expect(triton.startupProbe.periodSeconds * triton.startupProbe.failureThreshold).toBeGreaterThanOrEqual(300);
    }
  });

  it('/dev/shm a memory-backed volume sized by --shm-size, counted into the memory limit; nvidia.com/gpu only where models ask for GPU instances', () => {
    const pod = (project: string) => one(project, 'kubernetes/deployment.yaml').spec.template.spec;
    expect(pod('demo').volumes).toContainEqual({ name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: '1Gi' } });
    expect(pod('gpu').volumes).toContainEqual({ name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: '2Gi' } });
    expect(container('demo').volumeMounts).toContainEqual({ name: 'dshm', mountPath: '/dev/shm' });
    expect(container('demo').resources).toEqual({ requests: { cpu: '1', memory: '2Gi' }, limits: { cpu: '2', memory: '3Gi' } });
    // gpu:1:0,1 uses GPUs 0 and 1: two per pod.
    expect(container('gpu').resources.limits).toEqual({ cpu: '2', memory: '4Gi', 'nvidia.com/gpu': 2 });
    expect(one('gpu', 'kserve/inferenceservice.yaml').spec.predictor.containers[0].resources.limits['nvidia.com/gpu']).toBe(2);
    expect(one('gpu', 'kserve/inferenceservice-triton-runtime.yaml').spec.predictor.model.resources.limits['nvidia.com/gpu']).toBe(2);
  });

  it('non-root uid 1000, no privilege escalation, every capability dropped, seccomp RuntimeDefault, a read-only root filesystem with /tmp writable', () => {
    const pod = one('demo', 'kubernetes/deployment.yaml').spec.template.spec;
    expect(pod.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } });
    expect(container('demo').securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } });
    expect(container('demo').volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
    for (const file of ['kserve/inferenceservice.yaml', 'kserve/inferenceservice-triton-runtime.yaml']) {
      expect(one('gpu', file).spec.predictor.securityContext, file).toEqual(pod.securityContext);
    }
  });

  it('autoscaling on CPU from --replicas, the queue-time alternative from nv_inference_queue_duration_us and nv_inference_request_success, Prometheus scraping', () => {
    const hpa = one('gpu', 'kubernetes/hpa.yaml');
    expect(hpa.spec).toMatchObject({ scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'gpu' }, minReplicas: 2, maxReplicas: 8 });
    expect(hpa.spec.metrics).toEqual([{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }]);
    // The Deployment leaves the count to the autoscaler.
    expect(one('gpu', 'kubernetes/deployment.yaml').spec.replicas).toBeUndefined();
    const adapter = one('gpu', 'kubernetes/queue-time/prometheus-adapter-values.yaml');
    const [rule] = adapter.rules.custom;
    expect(rule.metricsQuery).toContain('nv_inference_queue_duration_us{<<.LabelMatchers>>}');
    expect(rule.metricsQuery).toContain('nv_inference_request_success{<<.LabelMatchers>>}');
    const component = one('gpu', 'kubernetes/queue-time/kustomization.yaml');
    expect(component.kind).toBe('Component');
    const patched = yamlObjects(component.patches[0].patch)[0] as K8sObject[];
    expect(patched[0]!.value[0].pods.metric.name).toBe(rule.name.as);
    expect(one('gpu', 'kubernetes/deployment.yaml').spec.template.metadata.annotations).toEqual({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': '8002', 'prometheus.io/path': '/metrics' });
    expect(one('gpu', 'kubernetes/servicemonitor.yaml').spec.endpoints).toEqual([{ port: 'metrics', path: '/metrics', interval: '15s' }]);
  });

  it('the kustomize base lists the objects, with the namespace given; KServe: the project image, and the stock runtime on the storage URI and the Dockerfile release', () => {
    expect(one('demo', 'kubernetes/kustomization.yaml')).toEqual({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: ['deployment.yaml', 'service.yaml', 'hpa.yaml', 'pdb.yaml'] });
    expect(one('gpu', 'kubernetes/kustomization.yaml').namespace).toBe('inference');
    const own = one('gpu', 'kserve/inferenceservice.yaml');
    expect(own.metadata).toMatchObject({ name: 'gpu', namespace: 'inference', annotations: { 'serving.kserve.io/deploymentMode': 'Standard' } });
    expect(own.spec.predictor.containers[0]).toMatchObject({ name: 'kserve-container', image: 'registry.example.com:5000/team/gpu:1.0', args: ['tritonserver', '--model-repository=/models'] });
    const stock = one('gpu', 'kserve/inferenceservice-triton-runtime.yaml');
    expect(stock.spec.predictor.model).toMatchObject({ modelFormat: { name: 'triton' }, runtimeVersion: '26.09-py3', storageUri: 's3://models-bucket/gpu/models' });
    expect(stock.spec.predictor.model.readinessProbe.httpGet).toEqual({ path: '/v2/health/ready', port: 8080 });
  });

  it('the Helm values: image split into repository and tag, replicas, resources, GPUs, shared memory, autoscaling, probes', () => {
    const values = one('gpu', 'helm/gpu/values.yaml');
    expect(values.image).toEqual({ repository: 'registry.example.com:5000/team/gpu', tag: '1.0', pullPolicy: 'IfNotPresent' });
    expect(values).toMatchObject({ replicaCount: 2, gpus: 2, sharedMemory: '2Gi', autoscaling: { enabled: true, minReplicas: 2, maxReplicas: 8 }, resources: { limits: { memory: '4Gi' } } });
    expect(Object.keys(values.probes)).toEqual(['startup', 'readiness', 'liveness']);
    expect(one('demo', 'helm/demo/Chart.yaml')).toMatchObject({ apiVersion: 'v2', name: 'demo', type: 'application' });
    expect(readText(deployDir('demo'), 'helm/demo/templates/NOTES.txt')).toContain('curl -s localhost:8000/v2/models/dumb_stub');
  });
});

describe('deploy refuses bad input in one line, writing nothing', () => {
  it.each([
    [['--replicas', '0'], '--replicas "0": must be an integer from 1 to 1000 (the replicas kept at least)'],
    [['--gpus', 'all'], '--gpus "all": must be an integer from 0 to 64 (nvidia.com/gpu per pod)'],
    [['--shm-size', '1x'], '--shm-size "1x": not a shared memory size (allowed: a number with a unit, 1m or more, e.g. 1g, 512m, 2gb)'],
    [['--image', 'My Image'], '--image "My Image": not an image reference (allowed: lower-case name[:tag], e.g. my-project or registry.example.com/team/model:1.0)'],
    [['--namespace', 'Prod'], '--namespace "Prod": not a Kubernetes namespace (allowed: lower-case letters, digits and "-", starting and ending with a letter or digit, at most 63 characters)'],
    [['--target', 'openshift'], '--target "openshift": unknown target openshift (allowed: kubernetes, helm, kserve, or several separated by commas)'],
    [
      ['--storage-uri', 'ftp://x/models'],
      '--storage-uri "ftp://x/models": not a storage URI for the model repository (allowed: s3://, gs://, pvc://, https://, hdfs://, webhdfs:// followed by where models/ was uploaded, e.g. s3://my-bucket/my-project/models)',
    ],
    [['--storage-uri', 's3://b/models'], "--storage-uri \"s3://b/models\": KServe's stock Triton runtime has no opencv-python-headless==4.10.0.82 (this project's requirements.txt): deploy the project's own image"],
    [['--gpus', '-1'], '--gpus "-1": must be an integer from 0 to 64 (nvidia.com/gpu per pod)'],
  ])('%j', async (flags, message) => {
    const before = listTree(path.join(root, 'demo'));
    fs.rmSync(deployDir('demo'), { recursive: true, force: true });
    try {
      const result = await runCli(['deploy', 'demo', '--yes', ...flags], { cwd: root });
      expect(result).toEqual({ exitCode: 1, stdout: '', stderr: `error: ${message}` });
      expect(fs.existsSync(deployDir('demo'))).toBe(false);
    } finally {
      const again = await runCli(['deploy', 'demo', '--yes'], { cwd: root });
      expect(again.exitCode).toBe(0);
      expect(listTree(path.join(root, 'demo'))).toEqual(before);
    }
  });

  it('--storage-uri without the kserve target', async () => {
    const result = await runCli(['deploy', '--yes', '--target', 'helm', '--storage-uri', 's3://b/gpu/models', '--dry-run'], { cwd: path.join(root, 'gpu') });
    expect(result).toEqual({ exitCode: 1, stdout: '', stderr: 'error: --storage-uri "s3://b/gpu/models": only the kserve target uses it (--target is helm: add kserve, or leave --storage-uri out)' });
  });

  it('--gpus below what the models use: written as asked, with a warning', async () => {
    const result = await runCli(['deploy', '--yes', '--gpus', '1', '--dry-run', '--force'], { cwd: path.join(root, 'gpu') });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toBe('warning: --gpus 1: scorer uses 2 (KIND_GPU instance groups): Triton fails to load it with fewer GPUs per pod');
  });

  it('a folder that is not a project', async () => {
    fs.mkdirSync(path.join(root, 'plain'), { recursive: true });
    const result = await runCli(['deploy', 'plain', '--yes'], { cwd: root });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/^error: plain: not a project of create-triton-model \(no models\/ folder\); create one with: .* plain$/);
    expect(listTree(path.join(root, 'plain'))).toEqual([]);
  });
});

describe('deploy --dry-run, --json, --force', () => {
  it('--dry-run lists the files and writes nothing; --json says the same as one object', async () => {
    const dir = makeTempDir('ctm-deploy-dry-');
    expect((await runCli(['p', '--yes', '--template', 'decoupled'], { cwd: dir })).exitCode).toBe(0);
    const before = listTree(dir);
    const dry = await runCli(['deploy', 'p', '--yes', '--target', 'helm', '--dry-run'], { cwd: dir });
    expect(dry.exitCode, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('Would write p/deploy (dry run: nothing written)\np/deploy/\n  README.md\n  helm/\n    p/\n');
    const json = await runCli(['deploy', 'p', '--yes', '--target', 'kserve,kubernetes', '--storage-uri', 'gs://b/p/models', '--json', '--dry-run'], { cwd: dir });
    expect(json.exitCode, json.stderr).toBe(0);
    const answer = JSON.parse(json.stdout);
    expect(answer).toMatchObject({ ok: true, dryRun: true, directory: path.join(dir, 'p', 'deploy'), deployment: { image: 'p', replicas: 1, gpus: 0, shmSize: '1Gi', storageUri: 'gs://b/p/models', targets: ['kubernetes', 'kserve'] } });
    expect(answer.files).toContain('kserve/inferenceservice-triton-runtime.yaml');
    expect(listTree(dir)).toEqual(before);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('an existing deploy/ is refused without --force; --force replaces the generated files and keeps the user\'s', async () => {
    const dir = makeTempDir('ctm-deploy-force-');
    expect((await runCli(['p', '--yes'], { cwd: dir })).exitCode).toBe(0);
    expect((await runCli(['deploy', 'p', '--yes', '--target', 'kubernetes'], { cwd: dir })).exitCode).toBe(0);
    fs.writeFileSync(path.join(dir, 'p/deploy/kubernetes/my-overlay.yaml'), 'mine\n');
    const refused = await runCli(['deploy', 'p', '--yes', '--replicas', '3'], { cwd: dir });
    expect([refused.exitCode, refused.stderr]).toEqual([1, 'error: p/deploy: folder is not empty (use --force to replace the generated files; files you added are kept)']);
    expect(one2(dir, 'kubernetes/hpa.yaml').spec.minReplicas).toBe(1);
    const forced = await runCli(['deploy', 'p', '--yes', '--replicas', '3', '--force'], { cwd: dir });
    expect(forced.exitCode, forced.stderr).toBe(0);
    expect(one2(dir, 'kubernetes/hpa.yaml').spec.minReplicas).toBe(3);
    expect(readText(dir, 'p/deploy/kubernetes/my-overlay.yaml')).toBe('mine\n');
    expect(fs.existsSync(path.join(dir, 'p/deploy/helm/p/values.yaml'))).toBe(true);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

function one2(dir: string, file: string): K8sObject {
  return yamlObjects(readText(dir, 'p/deploy', file))[0]!;
}
