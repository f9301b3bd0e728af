/**
 * What `deploy` writes manifests from, and the rule for each of its fields: the flags and the
 * questions are judged here, so a value typed at a prompt is refused exactly as the flag would be.
 * Each parser returns the value or throws InvalidValue with what is allowed.
 */

import path from 'node:path';
import { InvalidValue, parseInteger } from './fields.js';
import { IMAGE_REFERENCE_ALLOWED, isImageReference } from './image-name.js';

export const DEPLOY_TARGETS = ['kubernetes', 'helm', 'kserve'] as const;
export type DeployTarget = (typeof DEPLOY_TARGETS)[number];

export interface DeploySpec {
  /** The image the cluster pulls: the project's, built and pushed to a registry it reaches. */
  image: string;
  /** Written into the manifests when given; otherwise they go where kubectl, helm or KServe put them. */
  namespace?: string;
  /** Replicas the autoscaler keeps at least (and the count when autoscaling is off). */
  replicas: number;
  /** nvidia.com/gpu per pod. */
  gpus: number;
  /** /dev/shm's size limit, as a Kubernetes quantity (`1Gi`). */
  shmSize: string;
  /** Where the model repository (models/) is uploaded, for KServe's stock Triton runtime. */
  storageUri?: string;
  targets: DeployTarget[];
}

/** Docker's size syntax (go-units RAMInBytes): a number and an optional unit b, k, m, g, t, p; the units are binary. */
export const SIZE_PATTERN = /^\d+(\.\d+)?\s?([kmgtp]i?b?|b)?$/i;
const UNIT_POWERS: Record<string, number> = { b: 0, k: 1, m: 2, g: 3, t: 4, p: 5 };
const QUANTITY_SUFFIXES = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi'];

/** A byte count as a Kubernetes quantity in the largest binary unit that holds it whole (`1Gi`, `1536Mi`). */
export function quantityOf(bytes: number): string {
  let power = 0;
  while (power < QUANTITY_SUFFIXES.length - 1 && bytes % 1024 ** (power + 1) === 0) power += 1;
  return `${bytes / 1024 ** power}${QUANTITY_SUFFIXES[power]}`;
}

/** The bytes of a Kubernetes binary quantity this module wrote (`3Gi`, `2560Mi`). */
export function bytesOf(quantity: string): number {
  const match = /^(\d+)(Ki|Mi|Gi|Ti|Pi)?$/.exec(quantity);
  if (!match) throw new Error(`not a binary quantity: ${quantity}`);
  return Number(match[1]) * 1024 ** QUANTITY_SUFFIXES.indexOf(match[2] ?? '');
}

/** --shm-size as `run` takes it (1g, 512m, 2gb), as the Kubernetes quantity of the same number of bytes. */
export function parseShmQuantity(raw: unknown): string {
  const text = String(raw ?? '').trim().replace(/\s/g, '');
  const match = SIZE_PATTERN.exec(text);
  const unit = (match?.[2] ?? 'b').charAt(0).toLowerCase();
  const bytes = match ? Math.floor(Number.parseFloat(text) * 1024 ** (UNIT_POWERS[unit] ?? 0)) : 0;
  // Below a mebibyte the Python backend cannot hold even one tensor region (its default is 1 MiB to start).
  if (!match || bytes < 1024 ** 2 || !Number.isSafeInteger(bytes)) throw new InvalidValue('not a shared memory size (allowed: a number with a unit, 1m or more, e.g. 1g, 512m, 2gb)');
  return quantityOf(bytes);
}

export function parseDeployImage(raw: unknown): string {
  const text = String(raw ?? '').trim();
  if (!isImageReference(text)) throw new InvalidValue(`not an image reference (allowed: ${IMAGE_REFERENCE_ALLOWED})`);
  return text;
}

/** A namespace is a DNS-1123 label. */
export function parseNamespace(raw: unknown): string {
  const text = String(raw ?? '').trim();
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(text) || text.length > 63) {
    throw new InvalidValue('not a Kubernetes namespace (allowed: lower-case letters, digits and "-", starting and ending with a letter or digit, at most 63 characters)');
  }
  return text;
}

export const MAX_REPLICAS = 1000;
export const parseReplicas = (raw: unknown) => parseInteger(raw, 1, MAX_REPLICAS, `an integer from 1 to ${MAX_REPLICAS} (the replicas kept at least)`);
export const parseGpuCount = (raw: unknown) => parseInteger(raw, 0, 64, 'an integer from 0 to 64 (nvidia.com/gpu per pod)');

/** Storage KServe's storage initializer downloads a model repository from. */
const STORAGE_SCHEMES = ['s3://', 'gs://', 'pvc://', 'https://', 'hdfs://', 'webhdfs://'];

export function parseStorageUri(raw: unknown): string {
  const text = String(raw ?? '').trim();
  const scheme = STORAGE_SCHEMES.find((s) => text.startsWith(s));
  if (!scheme || text.length === scheme.length || text.length > 2048 || /[\s\u0000-\u001f\u007f"'\\]/.test(text)) {
    throw new InvalidValue(`not a storage URI for the model repository (allowed: ${STORAGE_SCHEMES.join(', ')} followed by where models/ was uploaded, e.g. s3://my-bucket/my-project/models)`);
  }
  return text;
}

/** `kubernetes`, `helm`, `kserve`, or several, comma-separated or repeated. */
export function parseTargets(raw: unknown): DeployTarget[] {
  const items = (Array.isArray(raw) ? raw : [raw]).flatMap((item) => String(item ?? '').split(',')).map((item) => item.trim().toLowerCase());
  const unknown = items.find((item) => !(DEPLOY_TARGETS as readonly string[]).includes(item));
  if (unknown !== undefined || items.length === 0) throw new InvalidValue(`unknown target${unknown ? ` ${unknown}` : ''} (allowed: ${DEPLOY_TARGETS.join(', ')}, or several separated by commas)`);
  return DEPLOY_TARGETS.filter((target) => items.includes(target));
}

/**
 * The name of the workload and its objects for a project folder: a DNS-1035 label (Services and
 * InferenceServices need one: lower case, a letter first), short enough for the suffixes Helm and
 * KServe add (`<release>-<chart>`, `<name>-predictor-...`).
 */
export function kubernetesNameFor(projectDir: string): string {
  const cleaned = path
    .basename(path.resolve(projectDir))
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^[^a-z]+/, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  return cleaned || 'triton';
}
