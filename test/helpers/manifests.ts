/**
 * Checking the manifests `deploy` writes, with the ecosystem's schemas: every Kubernetes object
 * against Kubernetes' own JSON schemas of pinned versions, strictly (an unknown field is an error),
 * through kubernetes-validate from the test venv; an InferenceService against the schema of its
 * fields written in this repository (test/fixtures/schemas/), and its pod and container parts,
 * which are Kubernetes' types, as a Pod through kubernetes-validate too; a ServiceMonitor against
 * its schema likewise. Used by the e2e suite (deploy's files as written) and the deploy suite (what
 * helm template and kustomize build make of them).
 */

import AjvModule, { type ErrorObject, type ValidateFunction } from 'ajv';
import { execa } from 'execa';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ROOT } from './cli.js';

/** The Kubernetes versions every object is validated against: one some years old, and the newest kubernetes-validate 1.37.0 knows. */
export const KUBERNETES_VERSIONS = ['1.30.0', '1.37.0'] as const;
const KUBERNETES_VALIDATE = path.join(ROOT, '.venv-test/bin/kubernetes-validate');
const SCHEMAS = path.join(ROOT, 'test/fixtures/schemas');

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type K8sObject = Record<string, any>;

/** Every document of a YAML text that holds something (helm template and kustomize build print several). */
export function yamlObjects(text: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`not YAML: ${doc.errors[0]!.message}`);
      return doc.toJS() as K8sObject | null;
    })
    .filter((object): object is K8sObject => object !== null && object !== undefined);
}

// ajv is CommonJS: its class sits on the default export's default under NodeNext typing.
type AjvClass = new (options: { allErrors: boolean; strict: boolean; strictRequired: boolean }) => { compile: (schema: object) => ValidateFunction; errorsText: (errors?: ErrorObject[] | null) => string };
const moduleValue = AjvModule as unknown as { default?: AjvClass } & AjvClass;
const ajv = new (moduleValue.default ?? moduleValue)({ allErrors: true, strict: true, strictRequired: false });
const schemaValidators: Record<string, ValidateFunction | undefined> = {
  InferenceService: ajv.compile(JSON.parse(fs.readFileSync(path.join(SCHEMAS, 'inferenceservice.schema.json'), 'utf8'))),
  ServiceMonitor: ajv.compile(JSON.parse(fs.readFileSync(path.join(SCHEMAS, 'servicemonitor.schema.json'), 'utf8'))),
};

/** The pod an InferenceService's predictor makes, as a Pod: its Kubernetes parts checked with Kubernetes' schemas. */
function predictorPod(service: K8sObject): K8sObject {
  const predictor = service.spec?.predictor ?? {};
  const { containers, model, minReplicas, maxReplicas, scaleMetric, scaleMetricType, scaleTarget, ...podFields } = predictor;
  void [minReplicas, maxReplicas, scaleMetric, scaleMetricType, scaleTarget];
  let podContainers = containers;
  if (model) {
    // The runtime gives the image; KServe's own fields are not the container's.
    const { modelFormat, runtime, runtimeVersion, storageUri, protocolVersion, ...container } = model;
    void [modelFormat, runtime, runtimeVersion, storageUri, protocolVersion];
    podContainers = [{ name: 'kserve-container', image: 'kserve-tritonserver', ...container }];
  }
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: service.metadata?.name ?? 'predictor' }, spec: { ...podFields, containers: podContainers } };
}

/** kubernetes-validate --strict on `objects` for one version: the lines of every failure (empty when all pass). */
async function kubernetesValidate(objects: K8sObject[], version: string): Promise<string[]> {
  if (objects.length === 0) return [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ctm-k8s-validate-'));
  try {
    const files = objects.map((object, index) => {
      const file = path.join(dir, `${index}-${object.kind}-${object.metadata?.name}.json`);
      fs.writeFileSync(file, JSON.stringify(object));
      return file;
    });
    const result = await execa(KUBERNETES_VALIDATE, ['--strict', '--kubernetes-version', version, '--quiet', ...files], { reject: false, timeout: 120_000 });
    const output = `${result.stdout}\n${result.stderr}`.trim();
    if (result.exitCode === 0 && !/ERROR|WARN/.test(output)) return [];
    return [`kubernetes-validate ${version} (exit ${result.exitCode}): ${output.replaceAll(dir + path.sep, '')}`];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Every problem found in `objects`: Kubernetes kinds strictly against each pinned version, KServe and Prometheus operator kinds against their schemas. */
export async function manifestProblems(objects: K8sObject[]): Promise<string[]> {
  const problems: string[] = [];
  const kubernetes: K8sObject[] = [];
  for (const object of objects) {
    const validator = schemaValidators[String(object.kind)];
    if (validator) {
      const valid: boolean = (validator as (data: unknown) => boolean)(object);
      if (!valid) problems.push(`${object.kind} ${object.metadata?.name}: ${ajv.errorsText(validator.errors)}`);
      if (object.kind === 'InferenceService') kubernetes.push(predictorPod(object));
    } else kubernetes.push(object);
  }
  for (const version of KUBERNETES_VERSIONS) problems.push(...(await kubernetesValidate(kubernetes, version)));
  return problems;
}

/** The objects of every YAML file under `dir` that `include` takes ('/'-separated relative path -> objects). */
export function yamlFilesUnder(dir: string, include: (file: string) => boolean = () => true): Map<string, K8sObject[]> {
  const found = new Map<string, K8sObject[]>();
  for (const file of fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((f) => f.split(path.sep).join('/')).sort()) {
    if (file.endsWith('.yaml') && include(file) && fs.statSync(path.join(dir, file)).isFile()) found.set(file, yamlObjects(fs.readFileSync(path.join(dir, file), 'utf8')));
  }
  return found;
}
