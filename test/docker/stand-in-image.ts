/**
 * The stand-in for nvcr.io/nvidia/tritonserver:<default tag>-py3, built locally (no registry here): a
 * debootstrapped Debian with python3, numpy and pip, and the real Triton Inference Server that the
 * nvidia-pytriton wheel carries (2.51.0, NGC 24.10; from the test venv), laid out as NGC images lay it
 * out: /opt/tritonserver/bin/tritonserver on PATH, the Python backend in /opt/tritonserver/backends/python
 * with the stub for the image's Python, the server's libraries in /opt/tritonserver/lib, and the
 * unprivileged user triton-server (uid 1000). Generated Dockerfiles build FROM it unchanged.
 *
 * Two layers, two lifetimes: the Debian root filesystem (about a minute to debootstrap and install)
 * is cached as a tarball in os.tmpdir(), keyed by its recipe, across runs; the Triton layer is rebuilt
 * every run from the test venv.
 */

import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_TRITON_VERSION } from '../../src/model-spec/fields.js';
import { TRITON_WHEEL_RELEASE, tritonWheel } from '../helpers/triton.js';
import { withEnv, type DockerDaemon } from './daemon.js';
import { mustRun } from './host.js';

/** The tag a generated Dockerfile builds FROM by default. */
export const STAND_IN_IMAGE = `nvcr.io/nvidia/tritonserver:${DEFAULT_TRITON_VERSION}-py3`;

/** Everything that decides the root filesystem's content: a change makes a new cache entry. */
export const ROOTFS_RECIPE = {
  suite: 'bookworm',
  variant: 'minbase',
  mirror: process.env.CTM_DEBIAN_MIRROR ?? 'http://deb.debian.org/debian',
  // libpython3.11: the Python backend's stub embeds the interpreter.
  packages: ['python3', 'python3-numpy', 'python3-pip', 'libpython3.11'],
  revision: 2,
};
/** bookworm's python3: the stub copied into the image must be built for it. */
const IMAGE_PYTHON_MINOR = '3.11';

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
COPY tritonserver /opt/tritonserver
# Triton's images have this user, uid and gid 1000; generated Dockerfiles run the server as it.
RUN useradd --uid 1000 --user-group --create-home --shell /bin/bash triton-server
ENV PATH=/opt/tritonserver/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \\
    LD_LIBRARY_PATH=/opt/tritonserver/lib \\
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

/** The wheel's server as NGC images hold it under /opt/tritonserver: bin, backends (with the stub), lib. */
function tritonTree(dir: string): void {
  const wheel = tritonWheel();
  const stub = path.join(wheel.dist, 'python_backend_stubs', IMAGE_PYTHON_MINOR, 'triton_python_backend_stub');
  if (!fs.existsSync(stub)) throw new Error(`the nvidia-pytriton wheel has no stub for the image's Python ${IMAGE_PYTHON_MINOR}`);
  fs.cpSync(path.join(wheel.dist, 'bin'), path.join(dir, 'bin'), { recursive: true });
  fs.cpSync(path.join(wheel.dist, 'backends'), path.join(dir, 'backends'), { recursive: true, filter: (source) => !source.includes('__pycache__') });
  fs.copyFileSync(stub, path.join(dir, 'backends/python/triton_python_backend_stub'));
  fs.chmodSync(path.join(dir, 'backends/python/triton_python_backend_stub'), 0o755);
  fs.cpSync(wheel.libs, path.join(dir, 'lib'), { recursive: true });
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
  tritonTree(path.join(context, 'tritonserver'));
  mustRun('docker', ['build', `--tag=${STAND_IN_IMAGE}`, context], { timeoutMs: DOCKER_TIMEOUT_MS, env });
  fs.rmSync(context, { recursive: true, force: true });

  // The server and the stub must find every library inside it, or every test would fail later with a
  // less clear message.
  const missing = mustRun(
    'docker',
    ['run', '--rm', '--user', 'triton-server', STAND_IN_IMAGE, 'sh', '-c', 'ldd /opt/tritonserver/bin/tritonserver /opt/tritonserver/backends/python/*.so /opt/tritonserver/backends/python/triton_python_backend_stub | grep "not found" || true'],
    { timeoutMs: DOCKER_TIMEOUT_MS, env },
  ).trim();
  if (missing) throw new Error(`the stand-in's Triton is missing libraries:\n${missing}`);
  log(`${STAND_IN_IMAGE} ready (Triton ${TRITON_WHEEL_RELEASE} from the nvidia-pytriton wheel, Python ${IMAGE_PYTHON_MINOR} stub)`);
  return { rootfsSeconds, rootfsCached: rootfs.cached, imageSeconds: seconds(since) };
}
