/**
 * The Triton releases this project knows: each NGC tag of nvcr.io/nvidia/tritonserver:<tag>-py3 with
 * what a generated project depends on. Sources: the server repository (TRITON_VERSION and the
 * container version in build.py on each release branch r<tag>, the CPU base image in build.py), the
 * Python backend's history (the release branch each feature first shipped on), and Triton's release
 * notes (the "Ubuntu ... including Python ..." line). A field we could not establish is left out
 * rather than guessed.
 */

export interface TritonRelease {
  /** NGC tag YY.MM. */
  tag: string;
  /** Triton Inference Server version of that container. */
  triton: string;
  /** Python minor version of the image's python3 and of the Python backend's stub. */
  python: '3.10' | '3.12';
  ubuntu: '22.04' | '24.04';
  /** numpy in the image, as its build installs it. */
  numpy: string;
  /** What changed for Python-backend models with this release. */
  notes?: string;
}

// Before June 2024 the images' build installed the newest numpy, and numpy 2.0 was not out yet;
// from 24.06 the build pins numpy<2 for the Python backend.
const NUMPY_1 = '1.x';
const NUMPY_1_PINNED = '1.x (the image pins numpy<2)';

const jammy = (tag: string, triton: string, numpy: string, notes?: string): TritonRelease => ({ tag, triton, python: '3.10', ubuntu: '22.04', numpy, ...(notes ? { notes } : {}) });
const noble = (tag: string, triton: string, notes?: string): TritonRelease => ({ tag, triton, python: '3.12', ubuntu: '24.04', numpy: NUMPY_1_PINNED, ...(notes ? { notes } : {}) });

/** Oldest first. Every month from the first to the last has its row (25.07 was a patch release of 2.59). */
export const TRITON_RELEASES: readonly TritonRelease[] = [
  jammy('23.10', '2.39.0', NUMPY_1, 'request cancellation (is_cancelled, TritonError.CANCELLED): the oldest release the templates support'),
  jammy('23.11', '2.40.0', NUMPY_1),
  jammy('23.12', '2.41.0', NUMPY_1, 'request rescheduling (set_release_flags with TRITONSERVER_REQUEST_RELEASE_RESCHEDULE)'),
  jammy('24.01', '2.42.0', NUMPY_1),
  jammy('24.02', '2.43.0', NUMPY_1),
  jammy('24.03', '2.44.0', NUMPY_1),
  jammy('24.04', '2.45.0', NUMPY_1),
  jammy('24.05', '2.46.0', NUMPY_1, 'decoupled models may define async def execute'),
  jammy('24.06', '2.47.0', NUMPY_1_PINNED, 'models that are not decoupled may also answer through the response sender'),
  jammy('24.07', '2.48.0', NUMPY_1_PINNED),
  jammy('24.08', '2.49.0', NUMPY_1_PINNED, 'BF16 tensors, through DLPack (Tensor.from_dlpack, to_dlpack)'),
  jammy('24.09', '2.50.0', NUMPY_1_PINNED),
  jammy('24.10', '2.51.0', NUMPY_1_PINNED),
  noble('24.11', '2.52.0', 'Ubuntu 24.04 and Python 3.12 (from 3.10)'),
  noble('24.12', '2.53.0'),
  noble('25.01', '2.54.0'),
  noble('25.02', '2.55.0'),
  noble('25.03', '2.56.0'),
  noble('25.04', '2.57.0', "ResponseIterator.cancel() for BLS calls to decoupled models; a BLS response's error keeps the called model's code (INTERNAL before)"),
  noble('25.05', '2.58.0'),
  noble('25.06', '2.59.0'),
  noble('25.07', '2.59.1', 'a patch release of 2.59'),
  noble('25.08', '2.60.0'),
  noble('25.09', '2.61.0'),
  noble('25.10', '2.62.0'),
  noble('25.11', '2.63.0'),
  noble('25.12', '2.64.0'),
  noble('26.01', '2.65.0'),
  noble('26.02', '2.66.0'),
  noble('26.03', '2.67.0'),
  noble('26.04', '2.68.0'),
  noble('26.05', '2.69.0'),
  noble('26.06', '2.70.0'),
  noble('26.07', '2.71.0'),
  noble('26.08', '2.72.0'),
  noble('26.09', '2.73.0'),
];

export const NEWEST_RELEASE = TRITON_RELEASES[TRITON_RELEASES.length - 1] as TritonRelease;
/** New projects build on the newest release known. */
export const DEFAULT_TRITON_VERSION = NEWEST_RELEASE.tag;
/** Oldest image whose Python backend has everything the templates use (TritonError codes 23.09, is_cancelled 23.10). */
export const MIN_TRITON_VERSION = (TRITON_RELEASES[0] as TritonRelease).tag;
/** The Python backend reads and writes BF16 tensors from this release on ("TYPE_BF16 not currently supported" before). */
export const BF16_MIN_TRITON_VERSION = '24.08';

/**
 * Backends the NGC images of a release carry (build.py's enable_all on the release branch: the
 * `-py3` image), and the two that come in images of their own (`-vllm-python-py3`, Python-based;
 * `-trtllm-python-py3`). TensorFlow left the images in 25.03.
 */
export function imageBackends(tag: string): string[] {
  return [
    'python',
    'onnxruntime',
    'pytorch',
    'tensorrt',
    'openvino',
    'fil',
    'dali',
    'identity',
    'repeat',
    'square',
    ...(tag < '25.03' ? ['tensorflow'] : []),
    'vllm',
    'tensorrtllm',
  ];
}

/** Backends with a runtime that is a model.py in the backends folder (vLLM; PyTorch's experimental PyTorch 2 runtime). */
export const PYTHON_BASED_BACKENDS: readonly string[] = ['vllm', 'pytorch'];

/** `Triton 2.51.0 (24.10)`, or the tag alone for a release newer than those known. */
export function tritonOf(tag: string): string {
  const known = knownRelease(tag);
  return known ? `Triton ${known.triton} (${tag})` : `Triton ${tag}`;
}

export function knownRelease(tag: string): TritonRelease | undefined {
  return TRITON_RELEASES.find((release) => release.tag === tag);
}

/** A well-formed tag newer than the table is taken to be like the newest release known. */
export function releaseOrNewest(tag: string): TritonRelease {
  return knownRelease(tag) ?? NEWEST_RELEASE;
}

/** Python minor version of the image's stub and system python3. */
export function pythonVersionOf(tag: string): string {
  return releaseOrNewest(tag).python;
}

/** What the generated files say about the tag, in parentheses: `26.09 is Triton 2.73.0`, or that the tag is newer than those known. */
export function describeRelease(tag: string): string {
  const known = knownRelease(tag);
  return known ? `${tag} is Triton ${known.triton}` : `${tag}, newer than the releases create-triton-model knows; the newest, ${NEWEST_RELEASE.tag}, is Triton ${NEWEST_RELEASE.triton}`;
}

/** The warning for a tag the table does not hold (parseTritonVersion already refused anything older than the table). */
export function unknownReleaseWarning(tag: string): string | undefined {
  if (knownRelease(tag)) return undefined;
  return `not a release create-triton-model knows (the newest it knows is ${NEWEST_RELEASE.tag}, Triton ${NEWEST_RELEASE.triton}): generated as for ${NEWEST_RELEASE.tag} (Python ${NEWEST_RELEASE.python}); check that nvcr.io/nvidia/tritonserver:${tag}-py3 exists`;
}
