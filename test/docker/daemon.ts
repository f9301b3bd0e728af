/**
 * A Docker daemon of the suite's own: every file under one temporary root, its API on a unix socket
 * there, reached through DOCKER_HOST by every docker call (ours and the CLI's). It never touches the
 * host's firewall: --iptables=false, and ports are published by docker-proxy (the userland proxy),
 * which listens on 127.0.0.1:<port> and forwards to the container over a bridge this file creates
 * and deletes. Containers on that bridge have no route out (no NAT, no forwarding): builds are
 * offline, as the stand-in image's pip configuration expects.
 */

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { restoreHost, snapshotHost, type HostState } from './host-state.js';
import { isAlive, mountsUnder, mustRun, pidsMentioning, runSync, sleepSync, tailOf, terminate, which } from './host.js';

export interface DockerDaemon {
  /** Temporary root holding the daemon's data, state, socket, log and the suite's work files. */
  root: string;
  /** DOCKER_HOST value: unix://<root>/docker.sock. */
  host: string;
  /** Environment for docker and for the CLI under test: the daemon's socket, a private client config. */
  env: Record<string, string | undefined>;
  pid: number;
  bridge: string;
  logFile: string;
  hostBefore: HostState;
}

/** Temporary roots are named so; a crashed run's root is recognised and cleaned by the next one. */
export const ROOT_PREFIX = 'ctm-docker-suite-';
const BRIDGE_PREFIX = 'ctmdk';
const START_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 20_000;
const COMMAND_TIMEOUT_MS = 60_000;
/** An upper bound, not a reservation: the run uses about 1 GB (the stand-in image, a few small layers). */
const TMPFS_SIZE = '6g';

/** What the suite needs on this machine; each missing piece named with the Debian package that has it. */
export function checkPrerequisites(): void {
  const problems: string[] = [];
  if (process.getuid?.() !== 0) problems.push('it must run as root (it starts its own dockerd, debootstraps a base image and creates a network bridge): sudo npm run test:docker');
  const tools: [string, string][] = [
    ['dockerd', 'docker.io'],
    ['docker', 'docker.io'],
    ['containerd', 'containerd (a dependency of docker.io)'],
    ['debootstrap', 'debootstrap'],
    ['ip', 'iproute2'],
    ['tar', 'tar'],
    ['mount', 'mount'],
  ];
  for (const [tool, pkg] of tools) if (!which(tool)) problems.push(`"${tool}" is not on PATH: apt-get install ${pkg}`);
  if (problems.length > 0) throw new Error(`The docker integration suite cannot run here:\n- ${problems.join('\n- ')}\n(.ci/run installs everything it needs on Debian.)`);
}

/** The environment every docker call of the suite uses: never the host's own daemon or client configuration. */
export function dockerEnv(host: string, clientConfig: string): Record<string, string | undefined> {
  return {
    DOCKER_HOST: host,
    DOCKER_CONFIG: clientConfig,
    DOCKER_CONTEXT: undefined,
    DOCKER_TLS_VERIFY: undefined,
    DOCKER_CERT_PATH: undefined,
    // The classic builder: Debian's docker.io ships no buildx, and its "Using cache" lines are what the suite reads.
    DOCKER_BUILDKIT: '0',
  };
}

/** process.env with `overrides` applied (undefined removes a variable), for child processes. */
export function withEnv(overrides: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

function ipv4ToNumber(text: string): number {
  return text.split('.').reduce((sum, part) => sum * 256 + Number(part), 0);
}

/** Address ranges this host already uses (its addresses and routes), as [first, last] numbers. */
function usedRanges(): [number, number][] {
  const ranges: [number, number][] = [];
  const output = `${runSync('ip', ['-4', '-o', 'addr', 'show'], { timeoutMs: COMMAND_TIMEOUT_MS }).stdout}\n${runSync('ip', ['-4', 'route', 'show', 'table', 'all'], { timeoutMs: COMMAND_TIMEOUT_MS }).stdout}`;
  for (const match of output.matchAll(/(?:^|\s)(\d+\.\d+\.\d+\.\d+)(?:\/(\d+))?(?=\s|$)/gm)) {
    const base = ipv4ToNumber(match[1] as string);
    const bits = Number(match[2] ?? 32);
    const size = 2 ** (32 - bits);
    const first = base - (base % size);
    if (bits > 0) ranges.push([first, first + size - 1]);
  }
  return ranges;
}

/** A /24 under 172.29.0.0/16 that nothing on this host uses. */
function freeSubnet(): string {
  const used = usedRanges();
  const start = Math.floor(Math.random() * 256);
  for (let i = 0; i < 256; i++) {
    const third = (start + i) % 256;
    const first = ipv4ToNumber(`172.29.${third}.0`);
    if (!used.some(([low, high]) => low <= first + 255 && first <= high)) return `172.29.${third}`;
  }
  throw new Error('no free /24 in 172.29.0.0/16 for the suite bridge');
}

function createBridge(name: string): void {
  const subnet = freeSubnet();
  mustRun('ip', ['link', 'add', 'name', name, 'type', 'bridge'], { timeoutMs: COMMAND_TIMEOUT_MS });
  mustRun('ip', ['addr', 'add', `${subnet}.1/24`, 'dev', name], { timeoutMs: COMMAND_TIMEOUT_MS });
  mustRun('ip', ['link', 'set', name, 'up'], { timeoutMs: COMMAND_TIMEOUT_MS });
}

function deleteBridge(name: string): void {
  if (fs.existsSync(`/sys/class/net/${name}`)) runSync('ip', ['link', 'del', name], { timeoutMs: COMMAND_TIMEOUT_MS });
}

function ping(socket: string): Promise<boolean> {
  return new Promise((resolve) => {
    const request = http.get({ socketPath: socket, path: '/_ping', timeout: 1000 }, (response) => {
      response.resume();
      resolve(response.statusCode === 200);
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(false));
  });
}

/**
 * Remove what an earlier run left when it was killed before its teardown: its daemon's processes,
 * mounts, folder and bridge. Only called with the suite lock held, so none of it is in use.
 */
export function sweepStaleRuns(): void {
  for (const entry of fs.readdirSync(os.tmpdir())) {
    if (!entry.startsWith(ROOT_PREFIX)) continue;
    const root = path.join(os.tmpdir(), entry);
    // Its dockerd may still run (only the test process was killed): let it remove its containers first.
    const pid = Number(readTextOrEmpty(path.join(root, 'docker.pid')).trim());
    const daemonPid = Number.isInteger(pid) && pid > 0 && pidsMentioning(root).includes(pid) ? pid : 0;
    stopEngine(root, withEnv(dockerEnv(`unix://${path.join(root, 'docker.sock')}`, path.join(root, 'client-config'))), daemonPid);
    unmountAll(root);
    fs.rmSync(root, { recursive: true, force: true });
  }
  for (const name of fs.readdirSync('/sys/class/net')) if (name.startsWith(BRIDGE_PREFIX)) deleteBridge(name);
}

function unmountAll(root: string): string[] {
  for (const point of mountsUnder(root)) {
    if (runSync('umount', [point], { timeoutMs: COMMAND_TIMEOUT_MS }).status !== 0) runSync('umount', ['-l', point], { timeoutMs: COMMAND_TIMEOUT_MS });
  }
  return mountsUnder(root);
}

/** Start dockerd under a fresh temporary root; resolves once its API answers. */
export async function startDaemon(): Promise<DockerDaemon> {
  const hostBefore = snapshotHost();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), ROOT_PREFIX));
  const bridge = `${BRIDGE_PREFIX}${process.pid.toString(36)}`;
  const socket = path.join(root, 'docker.sock');
  const logFile = path.join(root, 'dockerd.log');
  const clientConfig = path.join(root, 'client-config');
  const daemon: DockerDaemon = { root, host: `unix://${socket}`, env: dockerEnv(`unix://${socket}`, clientConfig), pid: 0, bridge, logFile, hostBefore };
  try {
    // In memory: the images' files are written once and thrown away, and deleting them from disk takes
    // longer (about 25 s here) than all the rest of the teardown; unmounting a tmpfs is instant.
    mustRun('mount', ['-t', 'tmpfs', '-o', `size=${TMPFS_SIZE},mode=0700`, 'ctm-docker-suite', root], { timeoutMs: COMMAND_TIMEOUT_MS });
    fs.mkdirSync(clientConfig);
    // An empty daemon.json: the host's /etc/docker/daemon.json is not ours to inherit.
    fs.writeFileSync(path.join(root, 'daemon.json'), '{}\n');
    createBridge(bridge);
    const log = fs.openSync(logFile, 'a');
    const child = spawn(
      'dockerd',
      [
        `--config-file=${path.join(root, 'daemon.json')}`,
        `--data-root=${path.join(root, 'data')}`,
        `--exec-root=${path.join(root, 'exec')}`,
        `--host=unix://${socket}`,
        `--pidfile=${path.join(root, 'docker.pid')}`,
        `--bridge=${bridge}`,
        '--iptables=false',
        '--ip-forward=false',
        '--ip-masq=false',
        '--userland-proxy=true',
      ],
      // Its own process group: a Ctrl-C to the test run reaches teardown, which stops it in order.
      { detached: true, stdio: ['ignore', log, log] },
    );
    fs.closeSync(log);
    child.unref();
    daemon.pid = child.pid ?? 0;
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (!(await ping(socket))) {
      if (!isAlive(daemon.pid)) throw new Error(`dockerd exited while starting. End of ${logFile}:\n${tailOf(readTextOrEmpty(logFile), 25)}`);
      if (Date.now() > deadline) throw new Error(`dockerd did not answer on ${socket} within ${START_TIMEOUT_MS / 1000} s. End of its log:\n${tailOf(readTextOrEmpty(logFile), 25)}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    return daemon;
  } catch (error) {
    const problems = stopDaemon(daemon);
    if (problems.length > 0) (error as Error).message += `\nCleaning up also failed:\n${problems.join('\n')}`;
    throw error;
  }
}

function readTextOrEmpty(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** Remove every container, stop dockerd (it stops its containerd), then whatever still runs from `root`. */
function stopEngine(root: string, env: NodeJS.ProcessEnv, daemonPid: number): string[] {
  const problems: string[] = [];
  if (daemonPid !== 0 && isAlive(daemonPid)) {
    const ids = runSync('docker', ['ps', '--all', '--quiet'], { timeoutMs: COMMAND_TIMEOUT_MS, env }).stdout.split('\n').filter(Boolean);
    if (ids.length > 0) runSync('docker', ['rm', '--force', ...ids], { timeoutMs: COMMAND_TIMEOUT_MS, env });
    terminate(daemonPid, STOP_GRACE_MS);
    if (isAlive(daemonPid)) problems.push(`dockerd (pid ${daemonPid}) did not stop`);
  }
  // containerd and its shims stop with dockerd; these are what a killed dockerd leaves.
  for (const pid of pidsMentioning(root)) terminate(pid, 5000);
  const stillRunning = pidsMentioning(root);
  if (stillRunning.length > 0) problems.push(`processes still running under ${root}: ${stillRunning.join(', ')}`);
  return problems;
}

/**
 * Stop everything the daemon runs and everything it left: containers, dockerd, its containerd and
 * shims, mounts under the root, the bridge, the root itself; then check the host is as it was.
 * Synchronous (see host.ts). Returns the problems found, empty when all is clean.
 */
export function stopDaemon(daemon: DockerDaemon): string[] {
  const problems = stopEngine(daemon.root, withEnv(daemon.env), daemon.pid);
  const stillMounted = unmountAll(daemon.root);
  if (stillMounted.length > 0) problems.push(`still mounted: ${stillMounted.join(', ')}`);
  deleteBridge(daemon.bridge);
  if (stillMounted.length === 0) fs.rmSync(daemon.root, { recursive: true, force: true });
  problems.push(...restoreHost(daemon.hostBefore));
  return problems;
}
