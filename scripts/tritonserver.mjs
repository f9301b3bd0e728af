// Real Triton Inference Server from the test venv (scripts/test-venv.mjs): the build PyPI's
// nvidia-pytriton wheel carries, laid out the way PyTriton starts it (its pytriton/triton.py). Shared
// by the real-Triton tests (test/helpers/triton.ts) and bench/run.
// - the wheel's `pytriton/tritonserver/` holds `bin/tritonserver`, `backends/python/` and one Python-backend
//   stub per Python minor version under `python_backend_stubs/<major.minor>/`; the server wants the stub
//   beside libtriton_python.so, so a backends folder is assembled once per venv with the stub matching the
//   venv's Python;
// - the wheel's bundled libraries (`nvidia_pytriton.libs`) and the interpreter's libpython folder go on
//   LD_LIBRARY_PATH; the venv's `bin` goes first on PATH, which is how the stub's embedded Python finds
//   the venv's packages (numpy, and whatever models import).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { VENV_DIR, VENV_PYTHON } from './test-venv.mjs';

/** The Triton release the nvidia-pytriton wheel of test/python/requirements.txt carries. */
export const TRITON_WHEEL_RELEASE = '2.51.0 (NGC 24.10)';
/** Its NGC tag, as `validate --triton-version` takes it. */
export const TRITON_WHEEL_TAG = '24.10';

let wheel;

/** Where the test venv's nvidia-pytriton wheel keeps the server. */
export function tritonWheel() {
  if (wheel) return wheel;
  const facts = JSON.parse(
    execFileSync(VENV_PYTHON, [
      '-c',
      'import json, sys, sysconfig, pytriton; print(json.dumps({"pytriton": pytriton.__path__[0], "libdir": sysconfig.get_config_var("LIBDIR"), "minor": f"{sys.version_info[0]}.{sys.version_info[1]}"}))',
    ]).toString(),
  );
  wheel = { dist: path.join(facts.pytriton, 'tritonserver'), libs: path.join(path.dirname(facts.pytriton), 'nvidia_pytriton.libs'), pythonMinor: facts.minor, pythonLibDir: facts.libdir };
  return wheel;
}

let layout;

/** The wheel's server with a backends folder holding the stub for the venv's Python (assembled once per venv). */
export function tritonLayout() {
  if (layout) return layout;
  const { dist, libs, pythonMinor, pythonLibDir } = tritonWheel();
  const stub = path.join(dist, 'python_backend_stubs', pythonMinor, 'triton_python_backend_stub');
  if (!fs.existsSync(stub)) throw new Error(`the nvidia-pytriton wheel has no Python-backend stub for Python ${pythonMinor} (${stub})`);
  const backends = path.join(VENV_DIR, 'triton-backends');
  const python = path.join(backends, 'python');
  if (!fs.existsSync(path.join(python, 'triton_python_backend_stub'))) {
    // Assembled beside, then renamed: test files start servers in parallel.
    const partial = `${backends}.${process.pid}`;
    fs.rmSync(partial, { recursive: true, force: true });
    fs.cpSync(path.join(dist, 'backends'), partial, { recursive: true });
    fs.copyFileSync(stub, path.join(partial, 'python', 'triton_python_backend_stub'));
    fs.chmodSync(path.join(partial, 'python', 'triton_python_backend_stub'), 0o755);
    try {
      fs.renameSync(partial, backends);
    } catch {
      fs.rmSync(partial, { recursive: true, force: true }); // another process was first
    }
  }
  layout = {
    binary: path.join(dist, 'bin', 'tritonserver'),
    backends,
    env: {
      LD_LIBRARY_PATH: [libs, pythonLibDir, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':'),
      PATH: [path.join(VENV_DIR, 'bin'), process.env.PATH].filter(Boolean).join(':'),
      PYTHONDONTWRITEBYTECODE: '1',
    },
  };
  return layout;
}

/**
 * tritonserver's arguments for a server on 127.0.0.1 and the given ports. `shmPrefix` names its
 * shared-memory regions: servers running side by side must not share one.
 */
export function tritonArgs({ repositories, ports, shmPrefix, explicit = false, exitTimeoutSeconds = 5, extra = [] }) {
  return [
    ...repositories.map((repository) => `--model-repository=${repository}`),
    `--backend-directory=${tritonLayout().backends}`,
    '--http-address=127.0.0.1',
    '--grpc-address=127.0.0.1',
    '--metrics-address=127.0.0.1',
    `--http-port=${ports.http}`,
    `--grpc-port=${ports.grpc}`,
    `--metrics-port=${ports.metrics}`,
    `--exit-timeout-secs=${exitTimeoutSeconds}`,
    `--backend-config=python,shm-region-prefix-name=${shmPrefix}`,
    ...(explicit ? ['--model-control-mode=explicit'] : []),
    ...extra,
  ];
}
