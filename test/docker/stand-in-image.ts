/**
 * The stand-in for nvcr.io/nvidia/tritonserver:<default tag>-py3, built locally (no registry here):
 * a debootstrapped Debian with python3, numpy and pip, the host's node binary, this repository's
 * packed CLI, and a `tritonserver` that runs the CLI's `serve` (stand-in/tritonserver). Generated
 * Dockerfiles build FROM it unchanged.
 *
 * Two layers, two lifetimes: the Debian root filesystem (about a minute to debootstrap and install)
 * is cached as a tarball in os.tmpdir(), keyed by its recipe, across runs; the CLI layer is rebuilt
 * every run from the code under test.
 */

import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_TRITON_VERSION } from '../../src/spec/fields.js';
import { withEnv, type DockerDaemon } from './daemon.js';
import { mustRun } from './host.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = path.resolve(HERE, '../..');

/** The tag a generated Dockerfile builds FROM by default. */
export const STAND_IN_IMAGE = `nvcr.io/nvidia/tritonserver:${DEFAULT_TRITON_VERSION}-py3`;

/** Everything that decides the root filesystem's content: a change makes a new cache entry. */
export const ROOTFS_RECIPE = {
  suite: 'bookworm',
  variant: 'minbase',
  mirror: process.env.CTM_DEBIAN_MIRROR ?? 'http://deb.debian.org/debian',
  packages: ['python3', 'python3-numpy', 'python3-pip'],
  revision: 1,
};

const ROOTFS_CACHE = path.join(os.tmpdir(), 'create-triton-model-docker-cache');
const DEBOOTSTRAP_TIMEOUT_MS = 10 * 60_000;
const APT_TIMEOUT_MS = 10 * 60_000;
const DOCKER_TIMEOUT_MS = 5 * 60_000;

/*
 * pip in the stand-in answers from what Debian installed and nothing else: numpy<2 (constraints.txt)
 * and an empty requirements.txt are satisfied offline; anything else fails at once ("No matching
 * distribution") instead of retrying a network the suite's containers do not have.
 */
const STAND_IN_DOCKERFILE = `FROM {{ROOTFS}}
COPY node /usr/local/bin/node
COPY create-triton-model /opt/create-triton-model
COPY tritonserver /opt/tritonserver/bin/tritonserver
# Triton's images have this user, uid and gid 1000; generated Dockerfiles run the server as it.
RUN useradd --uid 1000 --user-group --no-create-home triton-server
ENV PATH=/opt/tritonserver/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \\
    PIP_BREAK_SYSTEM_PACKAGES=1 \\
    PIP_NO_INDEX=1 \\
    PIP_DISABLE_PIP_VERSION_CHECK=1 \\
    PIP_ROOT_USER_ACTION=ignore
WORKDIR /opt/tritonserver
CMD ["tritonserver", "--model-repository=/models"]
`;

export interface StandInTimings {
  rootfsSeconds: number;
  rootfsCached: boolean;
  imageSeconds: number;
}

const seconds = (since: number) => Math.round((Date.now() - since) / 100) / 10;

/** The cached root filesystem tarball, made (debootstrap + apt-get in a chroot) when missing. */
export function rootfsTarball(workDir: string, log: (line: string) => void): { file: string; cached: boolean } {
  const key = createHash('sha256').update(JSON.stringify(ROOTFS_RECIPE)).digest('hex').slice(0, 16);
  const file = path.join(ROOTFS_CACHE, `rootfs-${key}.tar`);
  if (fs.existsSync(file)) return { file, cached: true };

  const { suite, variant, mirror, packages } = ROOTFS_RECIPE;
  const target = path.join(workDir, 'rootfs');
  log(`debootstrap --variant=${variant} ${suite} (${mirror}), then apt-get install ${packages.join(' ')}; cached as ${file}`);
  mustRun('debootstrap', [`--variant=${variant}`, suite, target, mirror], { timeoutMs: DEBOOTSTRAP_TIMEOUT_MS });
  const chrootEnv = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', DEBIAN_FRONTEND: 'noninteractive', LC_ALL: 'C', HOME: '/root' };
  mustRun('chroot', [target, 'apt-get', 'install', '-y', '-q', '--no-install-recommends', ...packages], { timeoutMs: APT_TIMEOUT_MS, env: chrootEnv });
  mustRun('chroot', [target, 'apt-get', 'clean'], { timeoutMs: APT_TIMEOUT_MS, env: chrootEnv });
  fs.rmSync(path.join(target, 'var/lib/apt/lists'), { recursive: true, force: true });
  fs.mkdirSync(path.join(target, 'var/lib/apt/lists/partial'), { recursive: true });

  fs.mkdirSync(ROOTFS_CACHE, { recursive: true });
  // Written aside and renamed: an interrupted run never leaves a truncated tarball under the cached name.
  const partial = `${file}.partial-${process.pid}`;
  mustRun('tar', ['--numeric-owner', '-C', target, '-cf', partial, '.'], { timeoutMs: DOCKER_TIMEOUT_MS });
  fs.renameSync(partial, file);
  fs.rmSync(target, { recursive: true, force: true });
  return { file, cached: false };
}

/** The packed CLI exactly as npm would publish it (`files` of package.json), unpacked into `dir`. */
function unpackCli(workDir: string, dir: string): void {
  const packDir = path.join(workDir, 'pack');
  fs.mkdirSync(packDir, { recursive: true });
  // --ignore-scripts: dist/ was just built by `npm run test:docker`; prepack's clean rebuild would pull it
  // from under anyone else's tests running in this tree.
  const output = mustRun('npm', ['pack', '--ignore-scripts', '--json', `--pack-destination=${packDir}`], { timeoutMs: DOCKER_TIMEOUT_MS, cwd: REPO_ROOT });
  const [packed] = JSON.parse(output) as { filename: string }[];
  if (!packed) throw new Error(`npm pack printed no package: ${output}`);
  fs.mkdirSync(dir, { recursive: true });
  mustRun('tar', ['-xzf', path.join(packDir, packed.filename), '-C', dir, '--strip-components=1'], { timeoutMs: DOCKER_TIMEOUT_MS });
}

/** Build the stand-in and tag it as the default Triton image. */
export function buildStandInImage(daemon: DockerDaemon, log: (line: string) => void): StandInTimings {
  const workDir = path.join(daemon.root, 'stand-in');
  fs.mkdirSync(workDir, { recursive: true });
  const env = withEnv(daemon.env);

  let since = Date.now();
  const rootfs = rootfsTarball(workDir, log);
  const rootfsImage = `ctm-stand-in-rootfs:${path.basename(rootfs.file, '.tar').replace(/^rootfs-/, '')}`;
  mustRun('docker', ['import', rootfs.file, rootfsImage], { timeoutMs: DOCKER_TIMEOUT_MS, env });
  const rootfsSeconds = seconds(since);

  since = Date.now();
  const context = path.join(workDir, 'context');
  fs.mkdirSync(context);
  fs.writeFileSync(path.join(context, 'Dockerfile'), STAND_IN_DOCKERFILE.replace('{{ROOTFS}}', rootfsImage));
  // The host's node: the stand-in runs the same Debian release, and Debian's own nodejs is older than our engines field.
  fs.copyFileSync(process.execPath, path.join(context, 'node'));
  fs.copyFileSync(path.join(HERE, 'stand-in/tritonserver'), path.join(context, 'tritonserver'));
  fs.chmodSync(path.join(context, 'tritonserver'), 0o755);
  unpackCli(workDir, path.join(context, 'create-triton-model'));
  mustRun('docker', ['build', `--tag=${STAND_IN_IMAGE}`, context], { timeoutMs: DOCKER_TIMEOUT_MS, env });
  fs.rmSync(context, { recursive: true, force: true });

  // The CLI must start inside it, or every test would fail later with a less clear message.
  const version = mustRun('docker', ['run', '--rm', STAND_IN_IMAGE, 'node', '/opt/create-triton-model/bin/create-triton-model.js', '--version'], { timeoutMs: DOCKER_TIMEOUT_MS, env }).trim();
  log(`${STAND_IN_IMAGE} ready (create-triton-model ${version} on ${mustRun('docker', ['run', '--rm', STAND_IN_IMAGE, 'node', '--version'], { timeoutMs: DOCKER_TIMEOUT_MS, env }).trim()})`);
  return { rootfsSeconds, rootfsCached: rootfs.cached, imageSeconds: seconds(since) };
}
