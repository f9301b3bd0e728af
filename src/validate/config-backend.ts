/** Backend and platform of a config: AutoCompleteBackendFields, then ValidateModelConfig's checks of them (Triton core, model_config_utils.cc). */

import { lastValue, type ParsedMessage } from '../pbtxt/message.js';
import type { DirEntry } from '../repository/read.js';
import type { FindingList } from './findings.js';
import type { ConfigContext } from './config-summary.js';
import { start, stringOf, TOP } from './config-fields.js';

const TENSORFLOW_PLATFORMS = ['tensorflow_graphdef', 'tensorflow_savedmodel'];
/** Backends Triton knows the platform of; any platform goes with other backends (python included). */
const BACKEND_PLATFORMS: Record<string, string[]> = {
  tensorflow: TENSORFLOW_PLATFORMS,
  tensorrt: ['tensorrt_plan'],
  onnxruntime: ['onnxruntime_onnx'],
  pytorch: ['pytorch_libtorch'],
};

export interface BackendResolution {
  backend: string;
  platform: string;
  defaultModelFilename: string;
  /** How a backend missing from the config was found. */
  inferredFrom?: string;
  /** Triton's error when no backend can be determined. */
  problem?: string;
}

function resolveBackend(config: ParsedMessage, context: ConfigContext, modelName: string): BackendResolution {
  let backend = stringOf(config, 'backend');
  let platform = stringOf(config, 'platform');
  let file = stringOf(config, 'default_model_filename');
  const written = backend !== '' || platform !== '';
  const first = context.firstSubdir;
  const inFirst = (name: string, kind?: DirEntry['kind']) => first?.entries.some((e) => e.name === name && (kind === undefined || e.kind === kind)) ?? false;
  const fromFile = (name: string) => (written ? undefined : `${first?.name}/${name}`);
  const result = (inferredFrom?: string): BackendResolution => ({ backend, platform, defaultModelFilename: file, ...(inferredFrom && !written ? { inferredFrom } : {}) });

  if (platform === '' && (backend === '' || backend === 'tensorflow')) {
    if (file === 'model.savedmodel') platform = 'tensorflow_savedmodel';
    else if (file === 'model.graphdef') platform = 'tensorflow_graphdef';
    else if (file === '' && first) {
      if (inFirst('model.savedmodel', 'dir')) platform = 'tensorflow_savedmodel';
      if (inFirst('model.graphdef', 'file')) platform = 'tensorflow_graphdef';
    }
  }
  if (TENSORFLOW_PLATFORMS.includes(platform)) {
    backend ||= 'tensorflow';
    file ||= platform === 'tensorflow_savedmodel' ? 'model.savedmodel' : 'model.graphdef';
    return result(fromFile(file));
  }
  const byFile: [string, string, string | undefined][] = [
    ['tensorrt', 'model.plan', 'tensorrt_plan'],
    ['onnxruntime', 'model.onnx', 'onnxruntime_onnx'],
    ['openvino', 'model.xml', undefined],
    ['pytorch', 'model.pt', 'pytorch_libtorch'],
    ['python', 'model.py', undefined],
  ];
  for (const [name, modelFile, knownPlatform] of byFile) {
    let inferred: string | undefined;
    if (backend === '') {
      if ((knownPlatform !== undefined && platform === knownPlatform) || file === modelFile) backend = name;
      else if (platform === '' && file === '' && inFirst(modelFile, name === 'onnxruntime' || name === 'openvino' || name === 'python' ? undefined : 'file')) {
        backend = name;
        inferred = fromFile(modelFile);
      }
    }
    if (backend === name) {
      if (knownPlatform !== undefined && platform === '') platform = knownPlatform;
      file ||= modelFile;
      return result(inferred ?? (written ? undefined : `default_model_filename "${file}"`));
    }
  }
  if (backend === '' && platform === '' && file === '') {
    // A custom backend, named by the part of the model name after the first dot (model.<backend>).
    const dot = modelName.indexOf('.');
    if (dot < 0) {
      return {
        ...result(),
        problem: `Invalid model name: Could not determine backend for model '${modelName}' with no backend in model configuration. Expected model name of the form 'model.<backend_name>'.`,
      };
    }
    backend = modelName.slice(dot + 1);
    file = `model.${backend}`;
    return result(`the model name '${modelName}'`);
  }
  return result();
}

export function checkBackend(config: ParsedMessage, context: ConfigContext, name: string, findings: FindingList): BackendResolution {
  const resolution = resolveBackend(config, context, name);
  const platformAt = start(lastValue(config, 'platform'));
  const backendAt = start(lastValue(config, 'backend'));
  if (resolution.problem) {
    findings.error(TOP, 'missing-backend', `must specify 'platform' or 'backend': ${resolution.problem}`);
    return resolution;
  }
  if (resolution.inferredFrom) {
    findings.warning(TOP, 'implicit-backend', `no 'backend' or 'platform': Triton infers backend '${resolution.backend}' from ${resolution.inferredFrom}; write backend: "${resolution.backend}" to say so`);
  }
  const { backend, platform } = resolution;
  if (backend === '' && platform !== 'ensemble') {
    findings.error(platformAt ?? TOP, 'backend-platform', `unexpected platform type '${platform}' (known platforms: tensorrt_plan, onnxruntime_onnx, pytorch_libtorch, tensorflow_graphdef, tensorflow_savedmodel, ensemble; or give a backend)`);
  } else if (backend !== '' && platform === 'ensemble') {
    findings.error(backendAt ?? platformAt ?? TOP, 'backend-platform', `Ensemble model '${name}' must have platform type 'ensemble' and empty backend type`);
  } else if (BACKEND_PLATFORMS[backend] && !(BACKEND_PLATFORMS[backend] as string[]).includes(platform)) {
    findings.error(platformAt ?? backendAt ?? TOP, 'backend-platform', `unexpected 'platform' and 'backend' pair, got:${platform}, ${backend}`);
  }
  return resolution;
}
