/**
 * deploy's questions (loaded only when a terminal is there to answer): only what the flags did not
 * give, each answer judged as it is typed by the rule its flag goes through. Enter takes the default.
 * ESC or Ctrl-C cancels: nothing has been written, and the CLI exits 130.
 */

import { input, select } from '@inquirer/prompts';
import { DEPLOY_TARGETS, parseDeployImage, parseGpuCount, parseNamespace, parseReplicas, parseShmQuantity, parseStorageUri, parseTargets, type DeploySpec } from '../model-spec/deployment.js';
import { askAll, check } from './ask.js';

interface DeployDraftShape {
  image?: string;
  namespace?: string | null;
  replicas?: number;
  gpus?: number;
  shmSize?: string;
  storageUri?: string | null;
  targets?: DeploySpec['targets'];
}

export async function promptForDeploy<D extends DeployDraftShape>(
  given: D,
  context: { defaults: { image: string; replicas: number; gpus: number; shmSize: string }; stockRuntime: boolean },
): Promise<D> {
  return askAll(async (ask) => {
    const draft = { ...given };
    if (draft.image === undefined) {
      draft.image = parseDeployImage(await input({ message: 'Image the cluster pulls (pushed to its registry)', default: context.defaults.image, validate: check(parseDeployImage) }, ask));
    }
    if (draft.namespace === undefined) {
      const answer = (await input({ message: 'Namespace (Enter for none: the one kubectl, helm or KServe use)', validate: check(parseNamespace, true) }, ask)).trim();
      draft.namespace = answer === '' ? null : parseNamespace(answer);
    }
    if (draft.replicas === undefined) {
      draft.replicas = parseReplicas(await input({ message: 'Replicas at least (the autoscaler adds up to 4 times as many)', default: String(context.defaults.replicas), validate: check(parseReplicas) }, ask));
    }
    if (draft.gpus === undefined) {
      draft.gpus = parseGpuCount(await input({ message: 'GPUs per pod (nvidia.com/gpu)', default: String(context.defaults.gpus), validate: check(parseGpuCount) }, ask));
    }
    if (draft.shmSize === undefined) {
      draft.shmSize = parseShmQuantity(await input({ message: 'Shared memory (/dev/shm) per pod', default: '1g', validate: check(parseShmQuantity) }, ask));
    }
    if (draft.targets === undefined) {
      const choice = await select<string>(
        {
          message: 'Manifests for',
          default: DEPLOY_TARGETS.join(','),
          choices: [
            { name: 'all three', value: DEPLOY_TARGETS.join(','), description: 'kubernetes/ (kustomize), helm/, kserve/' },
            ...DEPLOY_TARGETS.map((target) => ({ name: target, value: target })),
          ],
        },
        ask,
      );
      draft.targets = parseTargets(choice);
    }
    if (draft.storageUri === undefined && context.stockRuntime && draft.targets.includes('kserve')) {
      const answer = (await input({ message: "Where models/ is uploaded, for KServe's stock Triton runtime (Enter to skip)", validate: check(parseStorageUri, true) }, ask)).trim();
      draft.storageUri = answer === '' ? null : parseStorageUri(answer);
    }
    return draft;
  });
}
