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
  /** A lexical problem that stopped the scan (unterminated string, unbalanced bracket); what came before is kept. */
  problem?: SourcePosition & { message: string };
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
  const scan: PythonModelScan = { methods: new Map(), refs: [], callsOtherModels: false, ...(problem ? { problem } : {}) };

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
      if (tokens[i + 1]?.text === '(') scan.callsOtherModels = true;
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
