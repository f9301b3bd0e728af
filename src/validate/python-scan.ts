/**
 * A static scan of a Python backend model file, without running Python: enough of Python's
 * lexical rules (comments, every string literal form including nested f-strings, brackets,
 * line continuations, logical lines and their indentation) to find
 *  - the class TritonPythonModel (or a module-level name bound to it by import or assignment),
 *  - the methods defined directly in its body, with their decorators,
 *  - tensor names written as string literals in calls of the pb_utils API:
 *    get_input_tensor_by_name(request, "x"), get_input_config_by_name(config, "x"),
 *    get_output_config_by_name(config, "x"), Tensor("x", ...), Tensor.from_dlpack("x", ...),
 *  - whether the model calls other models (InferenceRequest: BLS), whose tensor names are not its own.
 * Calls are recognised through the names triton_python_backend_utils is imported under
 * (`import triton_python_backend_utils as pb_utils`, `from triton_python_backend_utils import Tensor`);
 * `pb_utils.` is accepted even without an import, as every example writes it. The tokens come from
 * python-tokens.ts.
 */

import { CLOSE, OPEN, ScanStop, Tokenizer, type SourcePosition, type Token } from './python-tokens.js';

export type { SourcePosition } from './python-tokens.js';

export type TensorRefKind = 'input' | 'output' | 'input-config' | 'output-config';

export interface TensorRef extends SourcePosition {
  kind: TensorRefKind;
  name: string;
  /** The call as written, for messages: `get_input_tensor_by_name`, `Tensor`, `Tensor.from_dlpack`. */
  call: string;
}

export interface MethodInfo extends SourcePosition {
  name: string;
  async: boolean;
  decorators: string[];
}

export interface PythonModelScan {
  /** Where `class TritonPythonModel` is, or how the name is bound otherwise; undefined when it is nowhere. */
  modelClass?: (SourcePosition & { kind: 'class'; hasBases: boolean }) | (SourcePosition & { kind: 'bound' });
  /** Methods defined directly in the class body, by name. */
  methods: Map<string, MethodInfo>;
  refs: TensorRef[];
  /** The model builds InferenceRequest objects: tensors it creates may be inputs of the models it calls. */
  callsOtherModels: boolean;
  /** Each InferenceRequest(...) call (BLS), with what can be read of it without running Python. */
  blsCalls: BlsCallScan[];
  /** A lexical problem that stopped the scan (unterminated string, unbalanced bracket); what came before is kept. */
  problem?: SourcePosition & { message: string };
}

export interface BlsTensorRef extends SourcePosition {
  name: string;
  /** The numpy type written for it (`float32` from `dtype=np.float32` or `.astype(np.float32)`), when one is. */
  numpyType?: string;
}

export interface BlsCallScan extends SourcePosition {
  /** model_name=: a string literal, or a module-level name bound to one; undefined when computed. */
  model?: string;
  modelAt?: SourcePosition;
  /** requested_output_names=, when it is a list or tuple of literals (or a module-level name bound to one). */
  outputs?: BlsTensorRef[];
  /** The tensors of inputs=[pb_utils.Tensor("name", ...), ...] that could be read, and whether that is all of them. */
  inputs: BlsTensorRef[];
  inputsComplete: boolean;
}

// ------------------------------------------------------------------------------------------------

const MODULE = 'triton_python_backend_utils';

/** Names pb_utils is reachable as (`pb_utils` for `import ... as pb_utils`), and names imported from it directly. */
function moduleAliases(lines: Token[][]): { modules: Set<string>; imported: Map<string, string> } {
  const modules = new Set<string>(['pb_utils']);
  const imported = new Map<string, string>();
  for (const line of lines) {
    const words = line.map((t) => t.text);
    if (words[0] === 'import') {
      // import a as b, triton_python_backend_utils as pb
      for (let i = 1; i < words.length; i++) {
        if (words[i] === MODULE) modules.add(words[i + 1] === 'as' && words[i + 2] ? (words[i + 2] as string) : MODULE);
      }
    } else if (words[0] === 'from' && words[1] === MODULE && words[2] === 'import') {
      for (let i = 3; i < words.length; i++) {
        const word = words[i] as string;
        if (!/^[\p{L}_][\p{L}\p{N}_]*$/u.test(word) || word === 'as') continue;
        if (words[i - 1] === 'as') continue;
        imported.set(words[i + 1] === 'as' && words[i + 2] ? (words[i + 2] as string) : word, word);
      }
    }
  }
  return { modules, imported };
}

function logicalLines(tokens: Token[]): Token[][] {
  const lines: Token[][] = [];
  let current: Token[] = [];
  for (const token of tokens) {
    if (token.type === 'newline') {
      if (current.length > 0) lines.push(current);
      current = [];
    } else current.push(token);
  }
  if (current.length > 0) lines.push(current);
  return lines;
}

/** The arguments of the call whose `(` is at tokens[open]: each a token list, split at top-level commas. */
function callArguments(tokens: Token[], open: number): Token[][] {
  const args: Token[][] = [];
  let current: Token[] = [];
  let depth = 0;
  for (let i = open + 1; i < tokens.length; i++) {
    const token = tokens[i] as Token;
    if (token.type === 'op' && OPEN.has(token.text)) depth += 1;
    if (token.type === 'op' && token.text in CLOSE) {
      if (depth === 0) break;
      depth -= 1;
    }
    if (depth === 0 && token.type === 'op' && token.text === ',') {
      args.push(current);
      current = [];
      continue;
    }
    current.push(token);
  }
  if (current.length > 0) args.push(current);
  return args;
}

/** The literal string an argument is (adjacent plain literals concatenated), with the first literal's position. */
function literal(arg: Token[] | undefined): (SourcePosition & { value: string }) | undefined {
  if (!arg || arg.length === 0 || arg.some((t) => t.type !== 'string' || t.value === undefined)) return undefined;
  return { line: (arg[0] as Token).line, column: (arg[0] as Token).column, value: arg.map((t) => t.value).join('') };
}

/** Positional argument `index`, or keyword argument `keyword`. */
function argument(args: Token[][], index: number, keyword: string): Token[] | undefined {
  const named = args.find((arg) => arg[0]?.type === 'name' && arg[0].text === keyword && arg[1]?.text === '=');
  if (named) return named.slice(2);
  const positional = args.filter((arg) => !(arg[0]?.type === 'name' && arg[1]?.text === '='));
  return positional[index];
}

const CALLS: { path: string[]; kind: TensorRefKind; index: number }[] = [
  { path: ['get_input_tensor_by_name'], kind: 'input', index: 1 },
  { path: ['get_input_config_by_name'], kind: 'input-config', index: 1 },
  { path: ['get_output_config_by_name'], kind: 'output-config', index: 1 },
  { path: ['Tensor'], kind: 'output', index: 0 },
  { path: ['Tensor', 'from_dlpack'], kind: 'output', index: 0 },
];

export function scanPythonModel(text: string): PythonModelScan {
  const tokenizer = new Tokenizer([...text]);
  let problem: PythonModelScan['problem'];
  try {
    tokenizer.run();
  } catch (error) {
    if (!(error instanceof ScanStop)) throw error;
    problem = { ...error.at, message: error.message };
  }
  const tokens = tokenizer.tokens;
  const lines = logicalLines(tokens);
  const { modules, imported } = moduleAliases(lines);
  const scan: PythonModelScan = { methods: new Map(), refs: [], callsOtherModels: false, blsCalls: [], ...(problem ? { problem } : {}) };
  const constants = moduleConstants(lines);
  const numpyNames = numpyAliases(lines);

  // The class, and the methods directly in its body.
  const classLine = lines.findIndex((line) => line[0]?.text === 'class' && line[1]?.text === 'TritonPythonModel');
  if (classLine >= 0) {
    const line = lines[classLine] as Token[];
    const nameToken = line[1] as Token;
    const classIndent = line[0]?.indent ?? 0;
    scan.modelClass = { kind: 'class', line: nameToken.line, column: nameToken.column, hasBases: line[2]?.text === '(' && line[3]?.text !== ')' };
    let bodyIndent: number | undefined;
    let decorators: string[] = [];
    for (let i = classLine + 1; i < lines.length; i++) {
      const body = lines[i] as Token[];
      const indent = body[0]?.indent ?? 0;
      if (indent <= classIndent) break;
      bodyIndent ??= indent;
      if (indent !== bodyIndent) continue;
      const first = body[0] as Token;
      if (first.text === '@') {
        decorators.push(body.slice(1).map((t) => t.text).join(''));
        continue;
      }
      const isAsync = first.text === 'async' && body[1]?.text === 'def';
      const def = isAsync ? body[2] : first.text === 'def' ? body[1] : undefined;
      if (def && def.type === 'name') scan.methods.set(def.text, { name: def.text, line: def.line, column: def.column, async: isAsync, decorators });
      else if (first.type === 'name' && body[1]?.text === '=') {
        // `execute = _execute`: a method bound by assignment.
        scan.methods.set(first.text, { name: first.text, line: first.line, column: first.column, async: false, decorators: [] });
      }
      decorators = [];
    }
  } else {
    // Bound another way at module level: `from impl import TritonPythonModel`, `TritonPythonModel = Impl`.
    for (const line of lines) {
      if ((line[0]?.indent ?? 0) !== 0) continue;
      const bound = line.find((t, i) => t.text === 'TritonPythonModel' && (line[0]?.text === 'from' || line[0]?.text === 'import' || (i === 0 && line[1]?.text === '=')));
      if (bound) {
        scan.modelClass = { kind: 'bound', line: bound.line, column: bound.column };
        break;
      }
    }
  }

  // Calls of the pb_utils API with literal tensor names.
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as Token;
    if (token.type !== 'name') continue;
    const before = tokens[i - 1];
    const qualifier = before?.text === '.' ? tokens[i - 2] : undefined;
    // Either `<pb_utils alias>.X` or a bare name imported from the module.
    const viaModule = qualifier !== undefined && qualifier.type === 'name' && modules.has(qualifier.text) && tokens[i - 3]?.text !== '.';
    const bare = before?.text !== '.' && imported.has(token.text);
    if (!viaModule && !bare) continue;
    const root = bare ? (imported.get(token.text) as string) : token.text;
    if (root === 'InferenceRequest') {
      // A call, not a type annotation such as `requests: list[pb_utils.InferenceRequest]`.
      if (tokens[i + 1]?.text === '(') {
        scan.callsOtherModels = true;
        scan.blsCalls.push(blsCall(tokens, i, constants, { modules, imported, numpy: numpyNames }));
      }
      continue;
    }
    for (const call of CALLS) {
      if (call.path[0] !== root) continue;
      let at = i;
      let matched = true;
      for (const part of call.path.slice(1)) {
        if (tokens[at + 1]?.text !== '.' || tokens[at + 2]?.text !== part) {
          matched = false;
          break;
        }
        at += 2;
      }
      if (!matched || tokens[at + 1]?.text !== '(') continue;
      const value = literal(argument(callArguments(tokens, at + 1), call.index, 'name'));
      if (value) scan.refs.push({ kind: call.kind, name: value.value, line: value.line, column: value.column, call: call.path.join('.') });
    }
  }
  return scan;
}

// ------------------------------------------------------------------------------------------------
// BLS requests: what InferenceRequest(model_name=..., requested_output_names=..., inputs=[...]) names

/** Module-level `NAME = <tokens>` (or `NAME: type = <tokens>`) bindings: what a constant used in a call stands for. */
function moduleConstants(lines: Token[][]): Map<string, Token[]> {
  const constants = new Map<string, Token[]>();
  for (const line of lines) {
    const first = line[0];
    if (!first || first.type !== 'name' || (first.indent ?? 0) !== 0) continue;
    const equals = line.findIndex((t, i) => t.text === '=' && (i === 1 || line[1]?.text === ':'));
    if (equals > 0) constants.set(first.text, line.slice(equals + 1));
  }
  return constants;
}

/** Names numpy is imported under (`import numpy as np`); `np` and `numpy` always. */
function numpyAliases(lines: Token[][]): Set<string> {
  const names = new Set(['np', 'numpy']);
  for (const line of lines) {
    if (line[0]?.text === 'import' && line[1]?.text === 'numpy' && line[2]?.text === 'as' && line[3]) names.add(line[3].text);
  }
  return names;
}

/** The items of a list or tuple display (`[a, b]`, `(a,)`), each a token list; undefined for anything else. */
function displayItems(tokens: Token[]): Token[][] | undefined {
  const open = tokens[0]?.text;
  if ((open !== '[' && open !== '(') || tokens.at(-1)?.text !== (open === '[' ? ']' : ')')) return undefined;
  // callArguments reads from just after an opening bracket to its closing one.
  return callArguments(tokens, 0).filter((item) => item.length > 0);
}

/** `arg`, or what the module-level name it is stands for. */
function resolved(arg: Token[] | undefined, constants: Map<string, Token[]>): Token[] | undefined {
  if (arg?.length === 1 && arg[0]?.type === 'name') return constants.get(arg[0].text) ?? arg;
  return arg;
}

interface Aliases {
  modules: Set<string>;
  imported: Map<string, string>;
  numpy: Set<string>;
}

/** The numpy type written in a tensor's value: `dtype=np.X` or `.astype(np.X)`. */
function numpyTypeIn(tokens: Token[], numpy: Set<string>): string | undefined {
  for (let i = 0; i + 4 < tokens.length; i++) {
    const marker = tokens[i] as Token;
    const typed = (marker.text === 'dtype' && tokens[i + 1]?.text === '=') || (marker.text === 'astype' && tokens[i + 1]?.text === '(');
    if (typed && numpy.has(tokens[i + 2]?.text ?? '') && tokens[i + 3]?.text === '.' && tokens[i + 4]?.type === 'name') return tokens[i + 4]?.text;
  }
  return undefined;
}

/** One `pb_utils.Tensor("name", value)` item of an inputs list, or undefined when the item is something else. */
function tensorItem(item: Token[], aliases: Aliases): BlsTensorRef | undefined {
  const viaModule = item[0]?.type === 'name' && aliases.modules.has(item[0].text) && item[1]?.text === '.' && item[2]?.text === 'Tensor' && item[3]?.text === '(';
  const bare = item[0]?.type === 'name' && aliases.imported.get(item[0].text) === 'Tensor' && item[1]?.text === '(';
  if (!viaModule && !bare) return undefined;
  const open = viaModule ? 3 : 1;
  const args = callArguments(item, open);
  const name = literal(args[0]);
  if (!name) return undefined;
  const numpyType = numpyTypeIn(args[1] ?? [], aliases.numpy);
  return { name: name.value, line: name.line, column: name.column, ...(numpyType ? { numpyType } : {}) };
}

function blsCall(tokens: Token[], at: number, constants: Map<string, Token[]>, aliases: Aliases): BlsCallScan {
  const args = callArguments(tokens, at + 1);
  const keyword = (name: string) => argument(args, Number.MAX_SAFE_INTEGER, name);
  const call: BlsCallScan = { line: (tokens[at] as Token).line, column: (tokens[at] as Token).column, inputs: [], inputsComplete: false };
  const modelArg = keyword('model_name');
  const model = literal(resolved(modelArg, constants));
  if (model) {
    call.model = model.value;
    call.modelAt = { line: modelArg?.[0]?.line ?? model.line, column: modelArg?.[0]?.column ?? model.column };
  }
  const outputItems = displayItems(resolved(keyword('requested_output_names'), constants) ?? []);
  const outputs = outputItems?.map(literal);
  if (outputs?.every((output) => output !== undefined)) call.outputs = outputs.map((output) => ({ name: output!.value, line: output!.line, column: output!.column }));
  const inputItems = displayItems(resolved(keyword('inputs'), constants) ?? []);
  if (inputItems) {
    const inputs = inputItems.map((item) => tensorItem(item, aliases));
    call.inputs = inputs.filter((input): input is BlsTensorRef => input !== undefined);
    call.inputsComplete = call.inputs.length === inputItems.length;
  }
  return call;
}
