/**
 * `create-triton-model deploy [dir]`: the project read (src/repository/project.ts: its models and the
 * GPUs they ask for, its base image, its requirements) -> flags and, in a terminal, questions -> one
 * DeploySpec (src/model-spec/deployment.ts) -> the manifests in memory (src/render/deploy.ts) -> deploy/
 * staged and moved into place as create writes a project (src/write): a deploy/ that has files is
 * refused without --force, which replaces the generated files and keeps the others.
 */

import path from 'node:path';
import type { CommandModule } from 'yargs';
import { DEPLOY_TARGETS, kubernetesNameFor, parseDeployImage, parseGpuCount, parseNamespace, parseReplicas, parseShmQuantity, parseStorageUri, parseTargets, type DeploySpec } from '../model-spec/deployment.js';
import { sourced } from '../model-spec/from-flags.js';
import { imageNameFor } from '../model-spec/image-name.js';
import { requirementsIn } from '../render/addition.js';
import { renderDeployment, stockRuntimeRefusal, type DeployProject } from '../render/deploy.js';
import { readProjectModels } from '../repository/project.js';
import { fieldError } from '../ui/errors.js';
import { color, commandLines, Reporter, writeStdout } from '../ui/output.js';
import { shellQuote } from '../ui/shell.js';
import { exitOnSignals } from '../ui/signals.js';
import { canPrompt } from '../ui/terminal.js';
import { formatTree } from '../ui/tree.js';
import { writeProject } from '../write/project.js';
import { planTarget } from '../write/target.js';
import { asList, asOne } from './args.js';
import { projectAt } from './project-at.js';

export interface DeployArgs {
  directory?: string;
  image?: string;
  namespace?: string;
  replicas?: string;
  gpus?: string;
  shmSize?: string;
  storageUri?: string;
  target?: string[];
  yes: boolean;
  force: boolean;
  dryRun: boolean;
  json: boolean;
}

/** What the flags gave, each judged by its rule; prompts fill what is missing. */
export type DeployDraft = Partial<Omit<DeploySpec, 'namespace' | 'storageUri'>> & { namespace?: string | null; storageUri?: string | null };

export const DEPLOY_DEFAULTS = { replicas: 1, shmSize: '1g' } as const;

export const deployCommandModule: CommandModule = {
  command: 'deploy [directory]',
  describe: 'Write Kubernetes, Helm and KServe manifests for the project (deploy/)',
  builder: (y) =>
    y
      .positional('directory', { type: 'string', describe: 'The project folder [default: .]' })
      .option('image', { type: 'string', describe: 'The image the cluster pulls, pushed to a registry it reaches [default: the project folder name, as build tags it]' })
      .option('namespace', { type: 'string', describe: 'Namespace written into the manifests [default: none: the one kubectl, helm or KServe use]' })
      .option('replicas', { type: 'string', describe: `Replicas kept at least; the autoscaler goes up to 4 times as many [default: ${DEPLOY_DEFAULTS.replicas}]` })
      .option('gpus', { type: 'string', describe: 'nvidia.com/gpu per pod [default: what the models\' KIND_GPU instance groups need, else 0]' })
      .option('shm-size', { type: 'string', describe: `Size of /dev/shm, a memory-backed volume, as run takes it (1g, 512m) [default: ${DEPLOY_DEFAULTS.shmSize}]` })
      .option('storage-uri', { type: 'string', describe: "Where models/ is uploaded (s3://, gs://, pvc://, https://...): adds the InferenceService on KServe's stock Triton runtime" })
      .option('target', { type: 'string', describe: `${DEPLOY_TARGETS.join(', ')}, repeatable or comma-separated [default: all three]` })
      .option('yes', { alias: 'y', type: 'boolean', default: false, describe: 'Never prompt: take defaults for what is not given' })
      .option('force', { type: 'boolean', default: false, describe: 'Replace the generated files of an existing deploy/ (others are kept)' })
      .option('dry-run', { type: 'boolean', default: false, describe: 'Print the files it would write, write nothing' })
      .option('json', { type: 'boolean', default: false, describe: 'Print one JSON object (the deployment and the files) on stdout' })
      .example('$0 deploy --image registry.example.com/team/demo:1.0 --yes', 'manifests for the pushed image')
      .example('$0 deploy --target helm --replicas 2 --shm-size 2g', 'only the Helm chart'),
  handler: (args) =>
    deployCommand({
      directory: asOne(args.directory, 'directory'),
      image: asOne(args.image, 'image'),
      namespace: asOne(args.namespace, 'namespace'),
      replicas: asOne(args.replicas, 'replicas'),
      gpus: asOne(args.gpus, 'gpus'),
      shmSize: asOne(args.shmSize, 'shm-size'),
      storageUri: asOne(args.storageUri, 'storage-uri'),
      target: asList(args.target),
      yes: Boolean(args.yes),
      force: Boolean(args.force),
      dryRun: Boolean(args.dryRun),
      json: Boolean(args.json),
    }),
};

const optional = <T>(label: string, raw: string | undefined, parse: (raw: unknown) => T): T | undefined => (raw === undefined ? undefined : sourced(label, raw, parse).value);

export async function deployCommand(args: DeployArgs): Promise<void> {
  exitOnSignals();
  const cwd = process.cwd();
  const report = new Reporter(args.json);
  const { existing, shown } = projectAt(args.directory ?? '.', cwd, 'deploy');
  const models = readProjectModels(existing);
  const project: DeployProject = {
    projectName: path.basename(existing.dir),
    name: kubernetesNameFor(existing.dir),
    models,
    ...(existing.baseImageVersion ? { tritonVersion: existing.baseImageVersion } : {}),
    requirements: [...requirementsIn(existing.requirements ?? '').values()],
  };

  let draft: DeployDraft = {
    image: optional('--image', args.image, parseDeployImage),
    namespace: optional('--namespace', args.namespace, parseNamespace),
    replicas: optional('--replicas', args.replicas, parseReplicas),
    gpus: optional('--gpus', args.gpus, parseGpuCount),
    shmSize: optional('--shm-size', args.shmSize, parseShmQuantity),
    storageUri: optional('--storage-uri', args.storageUri, parseStorageUri),
    targets: args.target === undefined ? undefined : sourced('--target', args.target.length === 1 ? args.target[0] : args.target, parseTargets).value,
  };
  // The stock runtime cannot install requirements: refused before anything is asked.
  const refusal = stockRuntimeRefusal(project);
  if (draft.storageUri && refusal) throw fieldError('--storage-uri', args.storageUri, refusal);
  if (draft.storageUri && draft.targets && !draft.targets.includes('kserve')) {
    throw fieldError('--storage-uri', args.storageUri, `only the kserve target uses it (--target is ${draft.targets.join(',')}: add kserve, or leave --storage-uri out)`);
  }

  const defaults: { image: string; gpus: number; replicas: number; shmSize: string } = {
    image: imageNameFor(existing.dir),
    gpus: Math.max(0, ...models.map((m) => m.gpusNeeded)),
    replicas: DEPLOY_DEFAULTS.replicas,
    shmSize: parseShmQuantity(DEPLOY_DEFAULTS.shmSize),
  };
  const interactive = canPrompt(args);
  if (interactive) {
    const { promptForDeploy } = await import('../prompts/deploy.js');
    draft = await promptForDeploy(draft, { defaults, stockRuntime: refusal === undefined });
  }
  const defaulted: string[] = [];
  const pick = <K extends keyof typeof defaults>(key: K, given: (typeof defaults)[K] | undefined): (typeof defaults)[K] => {
    if (given !== undefined) return given;
    defaulted.push(`${key}=${defaults[key]}`);
    return defaults[key];
  };
  const spec: DeploySpec = {
    image: pick('image', draft.image),
    ...(draft.namespace ? { namespace: draft.namespace } : {}),
    replicas: pick('replicas', draft.replicas),
    gpus: pick('gpus', draft.gpus),
    shmSize: pick('shmSize', draft.shmSize),
    ...(draft.storageUri ? { storageUri: draft.storageUri } : {}),
    targets: draft.targets ?? [...DEPLOY_TARGETS],
  };
  if (!interactive && defaulted.length > 0) report.note(`Using defaults: ${defaulted.join(', ')}`);
  const short = models.filter((m) => m.gpusNeeded > spec.gpus);
  if (short.length > 0) {
    report.warn(`--gpus ${spec.gpus}: ${short.map((m) => `${m.name} uses ${m.gpusNeeded}`).join(', ')} (KIND_GPU instance groups): Triton fails to load ${short.length === 1 ? 'it' : 'them'} with fewer GPUs per pod`);
  }

  const files = renderDeployment(spec, project);
  const target = path.join(existing.dir, 'deploy');
  const shownTarget = shown === '.' ? 'deploy' : `${shown}/deploy`;
  const writeOptions = { force: args.force, displayName: shownTarget };
  if (args.dryRun) {
    planTarget(target, files.map((f) => f.path), writeOptions);
    if (args.json) printJson(target, spec, files.map((f) => f.path), true);
    else {
      report.line(`Would write ${shownTarget} (dry run: nothing written)`);
      for (const line of formatTree(shownTarget, files.map((f) => f.path))) report.line(line);
    }
    return;
  }
  const { written } = await writeProject(target, { files }, writeOptions);
  if (args.json) {
    printJson(target, spec, written, false);
    return;
  }
  report.success(`Wrote the deployment of ${color.bold(project.projectName)} (${spec.targets.join(', ')}) in ${shownTarget}`);
  for (const line of formatTree(shownTarget, written)) report.line(color.dim(line));
  report.line();
  report.line(`Next steps (${shownTarget}/README.md says more):`);
  report.line(
    commandLines([
      [`docker build -t ${spec.image} ${shellQuote(shown)} && docker push ${spec.image}`, 'the image, where the cluster pulls from'],
      ...(spec.targets.includes('kubernetes') ? [[`kubectl apply -k ${shownTarget}/kubernetes`, 'Deployment, Service, autoscaler, disruption budget'] as const] : []),
      ...(spec.targets.includes('helm') ? [[`helm install ${project.name} ${shownTarget}/helm/${project.name}`, 'or the Helm chart'] as const] : []),
      ...(spec.targets.includes('kserve') ? [[`kubectl apply -f ${shownTarget}/kserve/inferenceservice.yaml`, 'or KServe'] as const] : []),
    ]).join('\n'),
  );
}

function printJson(target: string, spec: DeploySpec, files: string[], dryRun: boolean): void {
  writeStdout(JSON.stringify({ ok: true, directory: target, dryRun, deployment: spec, files }, null, 2) + '\n');
}
