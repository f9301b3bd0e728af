/**
 * render(spec) -> every file of the project, in memory. Pure and synchronous: the same spec and
 * project name give byte-identical files, and nothing is read from the disk (the templates are
 * embedded at build time, see embedded-templates.ts). The user's assets are not read either: they
 * are copy instructions the writer carries out. The writer is the only module that changes the
 * user's disk.
 */

import path from 'node:path';
import { dataTypeInfo } from '../model-spec/dtypes.js';
import type { TensorSpec } from '../model-spec/fields.js';
import { describeRelease, pythonVersionOf } from '../model-spec/releases.js';
import { imageNameFor } from '../model-spec/image-name.js';
import { kubernetesNameFor } from '../model-spec/deployment.js';
import { elementCount, sampleGenerateBody, sampleJsonInput, sampleShape, sampleText } from '../model-spec/samples.js';
import { assetsModel, generatedModels, type GeneratedModel } from '../model-spec/pipeline.js';
import type { Spec } from '../model-spec/spec.js';
import { TEMPLATES } from '../model-spec/templates.js';
import { renderConfig } from './config.js';
import { CHECKED_AGAINST } from './deploy.js';
import { embeddedBytes, embeddedText, embeddedUnder, renderTemplate } from './templates.js';
import { ideFiles } from './ide.js';
import type { RenderedFile, RenderedProject, RenderOptions } from './rendered.js';
import { passThrough, purposeOf } from './pipeline.js';
import { pyBytes, pyString, pyTuple, PYTHON_LINE_LENGTH } from './python.js';

export type { RenderedFile, RenderedProject, RenderOptions } from './rendered.js';

export interface TensorView {
  name: string;
  py: string;
  dataType: string;
  configType: string;
  wire: string;
  dims: number[];
  dimsText: string;
  shapeText: string;
  docLine: string;
  arrayDoc: string;
  /** How the Python templates build its values: bytes, booleans or numbers. */
  kind: 'string' | 'bool' | 'number';
  /** The numpy dtype model.py computes it in (`np.float32`; float32 for BF16, converted on the way out). */
  numpyDtype: string;
  /** The model's shape as a Python tuple, variable dimensions 1 and `batch_size` first when batching: what placeholders fill. */
  placeholderShape: string;
  /** client.py's example: its shape (a Python tuple), element count, and the text of a string element as a bytes literal. */
  sampleShape: string;
  sampleCount: number;
  sampleBytes: string;
  sampleComment: string;
  /** The shape client.py gets back for this output: the example's batch first when batching, -1 where compute() decides. */
  answerShapeText: string;
  optional: boolean;
  isBF16: boolean;
  isString: boolean;
  /** Pipelines: the tensor a placeholder passes on instead (same type and dims), as a Python string literal. */
  passFrom?: string;
}

const list = (items: (number | string)[]) => `[${items.join(', ')}]`;

/** The width of the longest tensor name as model.py's docstring writes it, to align its tensor lines. */
const nameWidthOf = (tensors: TensorSpec[]) => Math.max(...tensors.map((t) => pyString(t.name).length - 2));

function tensorView(tensor: TensorSpec, spec: Spec, nameWidth: number, passFrom?: Map<string, string>): TensorView {
  const info = dataTypeInfo(tensor.dataType);
  const batched = spec.maxBatchSize > 0;
  const shapeWithBatch = (batch: string, dims = tensor.dims) => (batched ? [batch, ...dims.map(String)] : dims.map(String));
  // model.py works in the reshaped shape when there is one; clients always see dims.
  const modelDims = tensor.reshape ?? tensor.dims;
  // Placeholders fill variable dimensions with 1: the smallest shape that satisfies the config.
  const placeholderShape = pyTuple([...(batched ? ['batch_size'] : []), ...modelDims.map((d) => (d === -1 ? 1 : d))]);
  const numpyDtype = info.numpy ?? 'np.float32'; // BF16 is computed as float32 and converted on the way out
  const elementDoc =
    info.kind === 'string' ? 'object array of bytes' : info.name === 'BF16' ? 'float32 array (sent as BF16)' : `${numpyDtype.replace('np.', '').replace(/_$/, '')} array`;

  const shape = sampleShape(tensor, spec.maxBatchSize);
  return {
    name: tensor.name,
    py: pyString(tensor.name),
    dataType: tensor.dataType,
    configType: info.config,
    wire: info.wire,
    dims: tensor.dims,
    dimsText: list(tensor.dims),
    shapeText: list(shapeWithBatch('batch')),
    docLine: `${pyString(tensor.name).padEnd(nameWidth + 2)}  ${info.config.padEnd(11)}  dims ${list(tensor.dims)}${tensor.reshape ? `  reshape ${list(tensor.reshape)}` : ''}${tensor.optional ? '  optional' : ''}`,
    arrayDoc: `${elementDoc}, shape ${list(shapeWithBatch('batch_size', modelDims))}${tensor.optional ? ' (optional: absent when the client leaves it out)' : ''}`,
    kind: info.kind === 'string' || info.kind === 'bool' ? info.kind : 'number',
    numpyDtype,
    placeholderShape,
    sampleShape: pyTuple(shape),
    sampleCount: elementCount(shape),
    sampleBytes: pyBytes(sampleText(tensor)),
    sampleComment: `${tensor.name}: ${info.wire}, shape ${list(shape)}${batched ? ' (batch first)' : ''}`,
    answerShapeText: list([...(batched ? [shape[0] as number] : []), ...tensor.dims]),
    optional: Boolean(tensor.optional),
    isBF16: info.name === 'BF16',
    isString: info.kind === 'string',
    ...(passFrom?.has(tensor.name) ? { passFrom: pyString(passFrom.get(tensor.name) as string) } : {}),
  };
}

/** Elements a README curl line may carry before it stops being readable. */
const CURL_MAX_ELEMENTS = 64;

/** The KServe v2 JSON body for curl, or undefined when a tensor cannot travel as JSON (FP16, BF16) or is too big for one line. */
function curlBody(spec: Spec): string | undefined {
  if (spec.inputs.some((t) => dataTypeInfo(t.dataType).binaryOnly)) return undefined;
  const total = spec.inputs.reduce((sum, t) => sum + elementCount(sampleShape(t, spec.maxBatchSize)), 0);
  if (total > CURL_MAX_ELEMENTS) return undefined;
  if (TEMPLATES[spec.template].decoupled) {
    // The same bodies `run` sends in its test request (src/model-spec/samples.ts).
    const body = sampleGenerateBody(spec.inputs, spec.maxBatchSize);
    return body && JSON.stringify(body);
  }
  return JSON.stringify({ inputs: spec.inputs.map((t) => sampleJsonInput(t, spec.maxBatchSize)) });
}

/** A generated model's files in the README's map: the main model file by file, a pipeline's other models as folders. */
function modelLayout({ role, spec }: GeneratedModel): [string, string][] {
  const dir = `models/${spec.name}`;
  if (spec.template === 'ensemble') return [[`${dir}/config.pbtxt`, 'the ensemble: its steps, and which tensor goes where'], [`${dir}/${spec.modelVersion}/`, 'empty: an ensemble has no code of its own']];
  if (role === 'main') return [[`${dir}/config.pbtxt`, 'the model configuration Triton reads'], [`${dir}/${spec.modelVersion}/model.py`, 'the model (TritonPythonModel)']];
  const what = { preprocess: 'step 1: preprocess', model: 'step 2: the model', postprocess: 'step 3: postprocess', target: 'the model the BLS caller calls' }[role];
  return [[`${dir}/`, `${what} (config.pbtxt, ${spec.modelVersion}/model.py)`]];
}

/** The files a project holds, with what each is for: the README's map of the project. */
function projectLayout(spec: Spec, baseImage: string, pythonVersion: string): [string, string][] {
  return [
    ...generatedModels(spec).flatMap(modelLayout),
    [`${assetsFolder(spec)}/`, 'files the model loads (weights, labels): inside its model folder, which serves from anywhere'],
    ['requirements.txt', 'Python packages installed into the image'],
    ['constraints.txt', "limits pip keeps to (numpy<2 for this image's Python backend)"],
    ['Dockerfile  .dockerignore', `the image: ${baseImage}`],
    ['client.py', 'an example client'],
    ['tests/', 'pytest: every model run with a fake pb_utils (python -m pytest)'],
    ['typings/', 'the type stub of triton_python_backend_utils, for editors'],
    ['pyrightconfig.json  .vscode/', `editor settings: the stub, Python ${pythonVersion}, .venv`],
    ['pytest.ini', 'makes `python -m pytest` run tests/'],
  ];
}

export function projectView(spec: Spec, options: RenderOptions) {
  const nameWidth = nameWidthOf([...spec.inputs, ...spec.outputs]);
  const template = TEMPLATES[spec.template];
  const baseImage = `nvcr.io/nvidia/tritonserver:${spec.tritonVersion}-py3`;
  const pythonVersion = pythonVersionOf(spec.tritonVersion);
  const layout = projectLayout(spec, baseImage, pythonVersion);
  return {
    spec,
    projectName: options.projectName,
    docName: spec.name,
    templateSummary: template.summary.charAt(0).toUpperCase() + template.summary.slice(1),
    inputs: spec.inputs.map((t) => tensorView(t, spec, nameWidth)),
    outputs: spec.outputs.map((t) => tensorView(t, spec, nameWidth)),
    /** Pipelines: what the model in the middle takes and answers, and the other models, in the order data flows. */
    pipeline: template.pipeline,
    modelInputs: spec.modelInputs.map((t) => tensorView(t, spec, nameWidth)),
    modelOutputs: spec.modelOutputs.map((t) => tensorView(t, spec, nameWidth)),
    parts: generatedModels(spec)
      .slice(1)
      .map(({ role, spec: part }) => ({ role, name: part.name, inputs: part.inputs.map((t) => t.name), outputs: part.outputs.map((t) => t.name) })),
    batched: spec.maxBatchSize > 0,
    decoupled: template.decoupled,
    usesBF16: [...spec.inputs, ...spec.outputs].some((t) => t.dataType === 'BF16'),
    usesOptional: spec.inputs.some((t) => t.optional),
    usesReshape: spec.outputs.some((t) => t.reshape !== undefined),
    /** The input model.py reads the batch size from: the first one every request carries. */
    batchInput: pyString(spec.inputs.find((t) => !t.optional)?.name ?? spec.inputs[0]!.name),
    usesGpu: spec.instanceGroups.some((g) => g.kind === 'gpu'),
    baseImage,
    release: describeRelease(spec.tritonVersion),
    pythonVersion,
    layout,
    layoutWidth: Math.max(...layout.map(([file]) => file.length)),
    imageTag: imageNameFor(options.projectName),
    /** The name deploy gives the workload and the Helm chart. */
    k8sName: kubernetesNameFor(options.projectName),
    checkedAgainst: CHECKED_AGAINST,
    curlInfer: curlBody(spec),
    py: pyString,
    /** Python lines stay within it (templates/shared/python/_collection.py.ejs folds what would not). */
    lineLength: PYTHON_LINE_LENGTH,
  };
}

export type ProjectView = ReturnType<typeof projectView>;

/** What a generated model's model.py is rendered from: the view of its own Spec, and its part in the project's pipeline. */
export function modelView(model: GeneratedModel, project: Spec, options: RenderOptions) {
  const { spec } = model;
  const view = projectView(spec, options);
  const pipeline = TEMPLATES[project.template].pipeline;
  const part = { purpose: purposeOf(model, project), pipelineName: pipeline === 'ensemble' ? 'ensemble' : 'BLS call', callsTarget: false };
  if (model.role !== 'main') {
    const passFrom = passThrough(spec.outputs, spec.inputs);
    return { ...view, ...part, outputs: spec.outputs.map((t) => tensorView(t, spec, nameWidthOf([...spec.inputs, ...spec.outputs]), passFrom)) };
  }
  const target = generatedModels(project).find((other) => other.role === 'target')?.spec;
  if (!target) return { ...view, ...part };
  // A BLS caller: its prepare() passes its inputs on to the target's, its finish() the target's outputs on to its own.
  const everyTensor = [...spec.inputs, ...spec.outputs, ...target.inputs, ...target.outputs];
  const width = nameWidthOf(everyTensor);
  const prepare = passThrough(target.inputs, spec.inputs);
  const finish = passThrough(spec.outputs, target.outputs);
  return {
    ...view,
    ...part,
    callsTarget: true,
    inputs: spec.inputs.map((t) => tensorView(t, spec, width)),
    outputs: spec.outputs.map((t) => tensorView(t, spec, width, finish)),
    target: { name: target.name, inputs: target.inputs.map((t) => tensorView(t, target, width, prepare)), outputs: target.outputs.map((t) => tensorView(t, target, width)) },
    usesBF16: everyTensor.some((t) => t.dataType === 'BF16'),
  };
}

/** A generated model's folder: config.pbtxt and its model.py, or an ensemble's empty version folder. */
function modelFiles(model: GeneratedModel, project: Spec, options: RenderOptions): RenderedFile[] {
  const { spec } = model;
  const dir = `models/${spec.name}`;
  const config = { path: `${dir}/config.pbtxt`, content: renderConfig(spec) };
  // Triton wants the ensemble's version folder although nothing goes in it; .gitkeep keeps it in git.
  if (spec.template === 'ensemble') return [config, { path: `${dir}/${spec.modelVersion}/.gitkeep`, content: '' }];
  return [config, { path: `${dir}/${spec.modelVersion}/model.py`, content: renderTemplate(`${spec.template}/model.py.ejs`, modelView(model, project, options)) }];
}

/**
 * Where a project's assets go: assets/ in the version folder of the model that computes (a pipeline's
 * `<name>_model`), beside its model.py (Triton reads every other folder of a model folder as a version).
 */
export function assetsFolder(spec: Spec): string {
  return modelAssetsFolder(assetsModel(spec).spec);
}

/** assets/ in a model's version folder: where its model.py looks for its files. */
function modelAssetsFolder(model: Spec): string {
  return `models/${model.name}/${model.modelVersion}/assets`;
}

/** Files of templates/<name>/assets, copied into the model's assets/ unless the user brings one of the same name. */
function templateAssets(templateName: string, folder: string): RenderedFile[] {
  return embeddedUnder(`${templateName}/assets/`).map((file) => ({ path: `${folder}/${file.slice(`${templateName}/assets/`.length)}`, content: embeddedBytes(file) }));
}

export function render(spec: Spec, options: RenderOptions): RenderedProject {
  const view = projectView(spec, options);
  const files: RenderedFile[] = [
    ...generatedModels(spec).flatMap((model) => modelFiles(model, spec, options)),
    { path: 'Dockerfile', content: renderTemplate('shared/Dockerfile.ejs', view) },
    { path: 'requirements.txt', content: renderTemplate('shared/requirements.txt.ejs', view) },
    { path: 'constraints.txt', content: renderTemplate('shared/constraints.txt.ejs', view) },
    { path: 'client.py', content: renderTemplate('shared/client.py.ejs', view) },
    { path: 'README.md', content: renderTemplate('shared/README.md.ejs', view) },
    { path: '.dockerignore', content: embeddedText('shared/_dockerignore') },
    { path: '.gitignore', content: embeddedText('shared/_gitignore') },
    ...ideFiles(spec),
  ];
  // The user's assets replace a template asset of the same name (e.g. their own image.jpg for the stub).
  const folder = assetsFolder(spec);
  const userAssets = spec.assets.map((source) => ({ path: `${folder}/${path.basename(source)}`, copyFrom: source }));
  const userPaths = new Set(userAssets.map((a) => a.path));
  const assets = [...templateAssets(spec.template, folder).filter((a) => !userPaths.has(a.path)), ...userAssets];
  // The folder each model.py looks in exists from the start, so the place for weights is plain; git keeps it through .gitkeep.
  files.push(...(assets.length > 0 ? assets : [{ path: `${folder}/.gitkeep`, content: '' }]));
  for (const { spec: other } of generatedModels(spec)) {
    const otherFolder = modelAssetsFolder(other);
    if (other.template !== 'ensemble' && otherFolder !== folder) files.push({ path: `${otherFolder}/.gitkeep`, content: '' });
  }
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files };
}
