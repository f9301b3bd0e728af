/**
 * Images and containers: `docker image inspect`, `docker build`, `docker run`, `docker logs`,
 * `docker stop`. Argument arrays are built here from validated values (src/docker/options.ts) and
 * absolute paths, and nowhere else.
 */

import path from 'node:path';
import { runDocker, runDockerSync, streamDocker, type DockerResult, type StreamingDocker } from './exec.js';

/** The ports Triton listens on inside the container. */
export const CONTAINER_PORTS = { http: 8000, grpc: 8001, metrics: 8002 } as const;

export interface ContainerSpec {
  image: string;
  name: string;
  /** Host address the ports are published on (127.0.0.1 by default: this machine only). */
  host: string;
  ports: { http: number; grpc: number; metrics: number };
  shmSize: string;
  gpus?: string;
  /** Absolute host folders bound over the image's /models (and /assets, for a project made before models held their assets). */
  mounts?: { source: string; target: string }[];
}

/** `--publish=127.0.0.1:8000:8000`; an IPv6 host address goes in brackets. */
export function publishArg(host: string, hostPort: number, containerPort: number): string {
  const address = host.includes(':') ? `[${host}]` : host;
  return `--publish=${address}:${hostPort}:${containerPort}`;
}

/**
 * `--mount=type=bind,source=...,target=...,readonly`. --mount rather than -v: a colon in a path
 * (C:\ on Windows) cannot be mistaken for a separator. docker reads the value as CSV, so a field
 * holding a comma or a quote is quoted with quotes doubled.
 */
export function bindMountArg(source: string, target: string): string {
  const field = (text: string) => (/[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text);
  return `--mount=${['type=bind', field(`source=${source}`), field(`target=${target}`), 'readonly'].join(',')}`;
}

/**
 * The project's models/ and assets/ as absolute paths (from any current folder, with the platform's own
 * path rules). Models hold their assets; a top-level assets/ is a project made before that (its configs
 * point there with ../../assets), and is bound only where it exists.
 */
export function projectMounts(projectDir: string, pathApi: path.PlatformPath = path): { source: string; target: string }[] {
  return [
    { source: pathApi.resolve(projectDir, 'models'), target: '/models' },
    { source: pathApi.resolve(projectDir, 'assets'), target: '/assets' },
  ];
}

export function dockerRunArgs(spec: ContainerSpec): string[] {
  return [
    'run',
    '--detach',
    '--rm',
    `--name=${spec.name}`,
    `--shm-size=${spec.shmSize}`,
    publishArg(spec.host, spec.ports.http, CONTAINER_PORTS.http),
    publishArg(spec.host, spec.ports.grpc, CONTAINER_PORTS.grpc),
    publishArg(spec.host, spec.ports.metrics, CONTAINER_PORTS.metrics),
    ...(spec.gpus === undefined ? [] : [`--gpus=${spec.gpus}`]),
    ...(spec.mounts ?? []).map((m) => bindMountArg(m.source, m.target)),
    spec.image,
  ];
}

export function dockerBuildArgs(projectDir: string, tag: string): string[] {
  return ['build', `--tag=${tag}`, projectDir];
}

const INSPECT_TIMEOUT_MS = 60_000;
const RUN_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 60_000;

export async function imageExists(tag: string): Promise<{ exists: boolean; result: DockerResult }> {
  const result = await runDocker(['image', 'inspect', '--format={{.Id}}', tag], INSPECT_TIMEOUT_MS);
  return { exists: result.exitCode === 0, result };
}

/** `docker build`, each output line handed to `onLine` as it comes. No time limit: a first build downloads gigabytes. */
export function buildImage(projectDir: string, tag: string, onLine: (line: string) => void): StreamingDocker {
  return streamDocker(dockerBuildArgs(projectDir, tag), onLine);
}

/** `docker run --detach`: returns once the container is created and started (or docker refused). */
export function startContainer(spec: ContainerSpec): Promise<DockerResult> {
  return runDocker(dockerRunArgs(spec), RUN_TIMEOUT_MS);
}

/** `docker logs --follow`: the container's log from its start; ends when the container stops. */
export function followLogs(name: string, onLine: (line: string) => void): StreamingDocker {
  return streamDocker(['logs', '--follow', name], onLine);
}

export function stopContainer(name: string): Promise<DockerResult> {
  return runDocker(['stop', name], STOP_TIMEOUT_MS);
}

/** For a signal handler: blocks until docker has stopped the container (or the time is up). */
export function stopContainerSync(name: string): DockerResult {
  return runDockerSync(['stop', name], STOP_TIMEOUT_MS);
}
