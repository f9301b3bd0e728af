/**
 * What a failure means, in one sentence: read from the container's log or from docker's own
 * message, using the symptoms users hit most (the troubleshooting pages of Triton's documentation and of the
 * Python backend's README: shared memory, missing packages, numpy 2, stub start-up).
 */

interface Symptom {
  pattern: RegExp;
  meaning: (match: RegExpExecArray) => string;
}

const LOG_SYMPTOMS: Symptom[] = [
  {
    pattern: /unable to initialize shared memory|failed to increase the shared memory pool|use '--shm-size'/i,
    meaning: () => 'shared memory is too small for the Python backend: run again with a larger --shm-size (e.g. --shm-size 2g)',
  },
  {
    pattern: /has kind KIND_GPU but no GPUs are available|no CUDA-capable device|CUDA driver version is insufficient/i,
    meaning: () => 'a model asks for a GPU the container cannot see: run with --gpus all on a host with the NVIDIA Container Toolkit, or set instance_group kind to KIND_CPU',
  },
  {
    pattern: /ModuleNotFoundError: No module named '([^']+)'/,
    meaning: (m) => `model.py imports "${m[1]}", which is not installed in the image: add it to requirements.txt and rebuild (create-triton-model build)`,
  },
  {
    pattern: /unexpected directory name '([^']*)' for model '([^']*)'/,
    meaning: (m) => `the folder models/${m[1]} holds a model named "${m[2]}": the config name must equal the folder name`,
  },
  {
    pattern: /failed to (?:read text proto|parse)/i,
    meaning: () => 'Triton cannot read a config.pbtxt: see the log above for the file and line',
  },
  {
    pattern: /stub process exited unexpectedly|Failed to initialize stub/i,
    meaning: () => "the Python backend stub failed to start (often a Python or numpy version mismatch): see the log above",
  },
  {
    pattern: /failed to load|UNAVAILABLE:|failed to initialize|Traceback \(most recent call last\)/i,
    meaning: () => 'a model failed to load: see the log above',
  },
];

/** The most specific meaning found in the log lines, if any. */
export function explainLog(lines: readonly string[]): string | undefined {
  const text = lines.join('\n');
  for (const symptom of LOG_SYMPTOMS) {
    const match = symptom.pattern.exec(text);
    if (match) return symptom.meaning(match);
  }
  return undefined;
}

const RUN_SYMPTOMS: Symptom[] = [
  {
    pattern: /could not select device driver .*capabilities: \[\[gpu\]\]/i,
    meaning: () => '--gpus needs a GPU and the NVIDIA Container Toolkit on this host: run without --gpus (and with instance_group kind KIND_CPU), or install the toolkit',
  },
  {
    pattern: /The container name "\/?([^"]+)" is already in use/i,
    meaning: (m) => `a container named ${m[1]} exists already: choose another --name, or remove it (docker rm -f ${m[1]})`,
  },
  {
    pattern: /port is already allocated|address already in use/i,
    meaning: () => 'a port is already taken (by another container?): choose others with --port-http, --port-grpc, --port-metrics',
  },
  {
    pattern: /bind source path does not exist|invalid mount config/i,
    meaning: () => 'a folder to --mount does not exist: the project needs models/',
  },
];

/** What docker's refusal to start a container means, if we know. */
export function explainRunFailure(stderr: string): string | undefined {
  for (const symptom of RUN_SYMPTOMS) {
    const match = symptom.pattern.exec(stderr);
    if (match) return symptom.meaning(match);
  }
  return undefined;
}
