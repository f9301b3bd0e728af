/**
 * A project's deployment, in memory: the files of deploy/ (paths relative to it) for the targets the
 * DeploySpec names, from what the repository reader found in the project (its models and the GPUs
 * they ask for, its base image, its requirements). Pure and synchronous, like render(spec): the
 * manifests are templates/deploy/, embedded at build time; the writer puts them in place.
 */

import { bytesOf, quantityOf, type DeploySpec } from '../model-spec/deployment.js';
import type { RenderedFile } from './rendered.js';
import { embeddedText, renderTemplate } from './templates.js';

/** The versions the generated manifests are checked against (test/deploy, test/e2e/deploy-manifests.test.ts). */
export const CHECKED_AGAINST = { kubernetes: '1.30 and 1.37', helm: '4.3.2', kustomize: '5.8.2', kserve: '0.20' } as const;

/** What deploy knows about the project it deploys. */
export interface DeployProject {
  /** The project folder's name: names the workload (made a DNS label) and titles the files. */
  projectName: string;
  /** The Kubernetes name of every object. */
  name: string;
  models: { name: string; gpusNeeded: number }[];
  /** The release the Dockerfile builds on (`24.10`): the stock runtime's image tag. */
  tritonVersion?: string;
  /** requirements.txt's requirement lines: the stock runtime has none of them. */
  requirements: string[];
}

/** Requests for the server and its models; the memory limit adds the shared memory, which counts against it. */
const RESOURCES = { cpuRequest: '1', cpuLimit: '2', memoryRequest: '2Gi' };
const TMP_SIZE = '1Gi';
const CPU_TARGET_PERCENT = 80;
/** The queue-time alternative: more replicas when requests wait more than 50 ms on average. */
const QUEUE_METRIC = 'triton_queue_duration_us';
const QUEUE_TARGET_MICROSECONDS = 50_000;
const ARGS = ['tritonserver', '--model-repository=/models'];

/** Probe timings, the same in every target: five minutes for loading, then checks every 10 s. */
export const PROBES = {
  startup: { periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 30 },
  readiness: { periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
  liveness: { periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
};

/** Why the stock-runtime InferenceService cannot be written for this project, or undefined when it can. */
export function stockRuntimeRefusal(project: DeployProject): string | undefined {
  if (project.requirements.length === 0) return undefined;
  return `KServe's stock Triton runtime has no ${project.requirements.join(', ')} (this project's requirements.txt): deploy the project's own image`;
}

/** `repository[:port]/path` and the tag, as Helm values keep them (a digest stays in the repository). */
function splitImage(image: string): { repository: string; tag: string } {
  if (image.includes('@')) return { repository: image, tag: '' };
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  return colon > slash ? { repository: image.slice(0, colon), tag: image.slice(colon + 1) } : { repository: image, tag: '' };
}

/** Lines of `text` indented by `spaces`, its last newline dropped (the template's own line ends it). */
function indent(text: string, spaces: number): string {
  const pad = ' '.repeat(spaces);
  return text
    .replace(/\n$/, '')
    .split('\n')
    .map((line) => (line === '' ? line : pad + line))
    .join('\n');
}

export function deployView(spec: DeploySpec, project: DeployProject) {
  const gpuModels = project.models.filter((m) => m.gpusNeeded > 0).map((m) => m.name);
  const image = splitImage(spec.image);
  const stockWhyNot = stockRuntimeRefusal(project) ?? (spec.storageUri ? undefined : 'give --storage-uri (where models/ is uploaded) to get it');
  return {
    projectName: project.projectName,
    name: project.name,
    namespace: spec.namespace,
    labels: [
      ['app.kubernetes.io/name', project.name],
      ['app.kubernetes.io/component', 'inference-server'],
    ],
    image: spec.image,
    imageRepository: image.repository,
    imageTag: image.tag,
    args: ARGS,
    replicas: spec.replicas,
    maxReplicas: spec.replicas * 4,
    cpuTarget: CPU_TARGET_PERCENT,
    queueMetric: QUEUE_METRIC,
    queueTargetMicroseconds: QUEUE_TARGET_MICROSECONDS,
    gpus: spec.gpus,
    gpuReason: gpuModels.length > 0 ? `${gpuModels.join(', ')} ask${gpuModels.length === 1 ? 's' : ''} for KIND_GPU instances` : 'set by --gpus',
    shmSize: spec.shmSize,
    tmpSize: TMP_SIZE,
    resources: { ...RESOURCES, memoryLimit: quantityOf(bytesOf(RESOURCES.memoryRequest) + bytesOf(spec.shmSize)) },
    probes: {
      startup: { ...PROBES.startup, budget: PROBES.startup.periodSeconds * PROBES.startup.failureThreshold },
      readiness: PROBES.readiness,
      liveness: PROBES.liveness,
    },
    models: project.models.map((m) => m.name),
    runtimeVersion: project.tritonVersion ? `${project.tritonVersion}-py3` : undefined,
    storageUri: spec.storageUri,
    stock: spec.storageUri !== undefined && stockRuntimeRefusal(project) === undefined,
    stockWhyNot,
    targets: { kubernetes: spec.targets.includes('kubernetes'), helm: spec.targets.includes('helm'), kserve: spec.targets.includes('kserve') },
    targetList: ` (${spec.targets.join(', ')})`,
    versions: CHECKED_AGAINST,
    /** A YAML double-quoted scalar: JSON strings are YAML. */
    q: (value: string) => JSON.stringify(value),
    /** A YAML flow sequence of strings. */
    flow: (items: readonly string[]) => `[${items.map((item) => JSON.stringify(item)).join(', ')}]`,
    indent,
  };
}

/** Every file of deploy/ for the spec's targets, relative to deploy/, sorted. */
export function renderDeployment(spec: DeploySpec, project: DeployProject): RenderedFile[] {
  const view = deployView(spec, project);
  const render = (template: string) => renderTemplate(`deploy/${template}.ejs`, view);
  const files: RenderedFile[] = [{ path: 'README.md', content: render('README.md') }];
  if (view.targets.kubernetes) {
    for (const file of ['kustomization.yaml', 'deployment.yaml', 'service.yaml', 'hpa.yaml', 'pdb.yaml', 'servicemonitor.yaml', 'queue-time/kustomization.yaml', 'queue-time/prometheus-adapter-values.yaml']) {
      files.push({ path: `kubernetes/${file}`, content: render(`kubernetes/${file}`) });
    }
  }
  if (view.targets.helm) {
    const chart = `helm/${project.name}`;
    files.push({ path: `${chart}/Chart.yaml`, content: render('helm/Chart.yaml') });
    files.push({ path: `${chart}/values.yaml`, content: render('helm/values.yaml') });
    files.push({ path: `${chart}/.helmignore`, content: embeddedText('deploy/helm/_helmignore') });
    for (const file of ['_helpers.tpl', 'deployment.yaml', 'service.yaml', 'hpa.yaml', 'pdb.yaml', 'servicemonitor.yaml', 'NOTES.txt']) {
      files.push({ path: `${chart}/templates/${file}`, content: render(`helm/templates/${file}`) });
    }
  }
  if (view.targets.kserve) {
    files.push({ path: 'kserve/inferenceservice.yaml', content: render('kserve/inferenceservice.yaml') });
    if (view.stock) files.push({ path: 'kserve/inferenceservice-triton-runtime.yaml', content: render('kserve/inferenceservice-triton-runtime.yaml') });
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
