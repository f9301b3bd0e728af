/** The static scan of model.py: Python's lexical rules, the class and its methods, literal tensor names in pb_utils calls. */

import { describe, expect, it } from 'vitest';
import { scanPythonModel } from '../../src/validate/python-scan.js';

const refs = (source: string) => scanPythonModel(source).refs.map((r) => `${r.line}:${r.column} ${r.kind} ${r.name}`);

describe('scanPythonModel', () => {
  it('finds the class, its methods (async too), their decorators, and the tensor names of pb_utils calls', () => {
    const scan = scanPythonModel(
      [
        'import json',
        'import triton_python_backend_utils as pb_utils',
        '',
        'class TritonPythonModel:',
        '    @staticmethod',
        '    def auto_complete_config(config):',
        '        return config',
        '',
        '    def initialize(self, args: dict[str, str]) -> None:',
        '        cfg = json.loads(args["model_config"])',
        '        self.dtype = pb_utils.get_output_config_by_name(cfg, "OUT")["data_type"]',
        '',
        '    async def execute(self, requests: list[pb_utils.InferenceRequest]) -> list[pb_utils.InferenceResponse]:',
        '        for request in requests:',
        '            x = pb_utils.get_input_tensor_by_name(request, "IN").as_numpy()',
        '            y = pb_utils.Tensor("OUT", x)',
        '            z = pb_utils.Tensor.from_dlpack(name="OUT2", capsule=None)',
        '        return []',
        '',
        'def helper():',
        '    def execute(): pass',
      ].join('\n'),
    );
    expect(scan.modelClass).toEqual({ kind: 'class', line: 4, column: 7, hasBases: false });
    expect([...scan.methods.keys()]).toEqual(['auto_complete_config', 'initialize', 'execute']);
    expect(scan.methods.get('auto_complete_config')?.decorators).toEqual(['staticmethod']);
    expect(scan.methods.get('execute')).toMatchObject({ async: true, line: 13, column: 15 });
    expect(scan.refs.map((r) => `${r.line}:${r.column} ${r.kind} ${r.name} ${r.call}`)).toEqual([
      '11:62 output-config OUT get_output_config_by_name',
      '15:60 input IN get_input_tensor_by_name',
      '16:33 output OUT Tensor',
      '17:50 output OUT2 Tensor.from_dlpack',
    ]);
    // Type annotations are not calls.
    expect(scan.callsOtherModels).toBe(false);
    expect(scan.problem).toBeUndefined();
  });

  it('reads every string form: prefixes, triple quotes, escapes, implicit concatenation, nested f-strings', () => {
    const source = [
      'import triton_python_backend_utils as pb_utils',
      'DOC = """a "quoted" get_input_tensor_by_name(r, "NOT_A_CALL")',
      'still the docstring"""',
      "x = f'{pb_utils.Tensor(\"IN_FSTRING\", 1)!r:>{width}}' # pb_utils.Tensor(\"COMMENT\", 1)",
      'y = f"{d["k"]}"',
      'pb_utils.Tensor("A" \'B\', arr)',
      "pb_utils.Tensor(r'raw\\n', arr)",
      'pb_utils.Tensor("tab\\tx\\x41", arr)',
      'pb_utils.Tensor(b"bytes", arr)',
      'pb_utils.Tensor(name_variable, arr)',
      'pb_utils.Tensor(f"OUT{i}", arr)',
      'value = (1 +',
      '         2)',
      'pb_utils.get_input_tensor_by_name(',
      '    request,',
      '    "MULTI_LINE",',
      ')',
    ].join('\n');
    expect(refs(source)).toEqual(['6:17 output AB', '7:17 output raw\\n', '8:17 output tab\txA', '16:5 input MULTI_LINE']);
  });

  it('follows how the module is imported, and ignores same-named calls of other modules', () => {
    expect(refs('import triton_python_backend_utils as pbu\npbu.Tensor("A", x)\npb_utils.Tensor("B", x)\ntorch.Tensor("C")')).toEqual(['2:12 output A', '3:17 output B']);
    expect(refs('from triton_python_backend_utils import Tensor, get_input_tensor_by_name as get_in\nTensor("A", x)\nget_in(r, "B")')).toEqual(['2:8 output A', '3:11 input B']);
    expect(refs('import triton_python_backend_utils\ntriton_python_backend_utils.Tensor("A", x)')).toEqual(['2:36 output A']);
  });

  it('notices calls of other models (BLS): tensors built for them are not outputs', () => {
    expect(scanPythonModel('import triton_python_backend_utils as pb_utils\nr = pb_utils.InferenceRequest(model_name="m", inputs=[], requested_output_names=["OUT"])').callsOtherModels).toBe(true);
  });

  it('reports a class bound by import or assignment, and a class with bases', () => {
    expect(scanPythonModel('from impl import TritonPythonModel').modelClass).toEqual({ kind: 'bound', line: 1, column: 18 });
    expect(scanPythonModel('TritonPythonModel = Impl').modelClass).toEqual({ kind: 'bound', line: 1, column: 1 });
    expect(scanPythonModel('class TritonPythonModel(Base):\n    pass').modelClass).toMatchObject({ kind: 'class', hasBases: true });
    expect(scanPythonModel('class Other:\n    def execute(self, requests): pass').modelClass).toBeUndefined();
  });

  it('keeps methods at the class body level only, including one bound by assignment', () => {
    const scan = scanPythonModel(
      ['class TritonPythonModel:', '    """doc"""', '    def initialize(self, args):', '        def execute(x):', '            pass', '    execute = _run', 'def finalize(): pass'].join('\n'),
    );
    expect([...scan.methods.keys()]).toEqual(['initialize', 'execute']);
    expect(scan.methods.get('execute')).toMatchObject({ line: 6, column: 5 });
  });

  it('reports an unterminated string and keeps what came before', () => {
    const scan = scanPythonModel('import triton_python_backend_utils as pb_utils\npb_utils.Tensor("A", x)\ns = "oops\nclass TritonPythonModel:\n    pass');
    expect(scan.problem).toEqual({ line: 3, column: 5, message: 'unterminated string' });
    expect(scan.refs.map((r) => r.name)).toEqual(['A']);
  });

  it('reads what a BLS request names: the model (literal or module constant), the outputs asked for, the tensors built and their numpy types', () => {
    const scan = scanPythonModel(
      [
        'import numpy as npy',
        'import triton_python_backend_utils as pb_utils',
        'from triton_python_backend_utils import InferenceRequest, Tensor',
        'TARGET: str = "other"',
        'OUTPUTS = ("a", "b")',
        '',
        'class TritonPythonModel:',
        '    def execute(self, requests):',
        '        one = pb_utils.InferenceRequest(model_name=TARGET, requested_output_names=OUTPUTS,',
        '            inputs=[pb_utils.Tensor("x", npy.zeros(4, dtype=npy.float32)), Tensor("s", arr.astype(npy.int8)), Tensor("u", arr)])',
        '        two = InferenceRequest(model_name="literal", requested_output_names=[name], inputs=[make(r)])',
        '        three = pb_utils.InferenceRequest(model_name=self.pick(), requested_output_names=[], inputs=inputs)',
        '        return []',
      ].join('\n'),
    );
    expect(scan.blsCalls).toEqual([
      {
        line: 9,
        column: 24,
        model: 'other',
        modelAt: { line: 9, column: 52 },
        outputs: [
          { name: 'a', line: 5, column: 12 },
          { name: 'b', line: 5, column: 17 },
        ],
        inputs: [
          { name: 'x', line: 10, column: 37, numpyType: 'float32' },
          { name: 's', line: 10, column: 83, numpyType: 'int8' },
          { name: 'u', line: 10, column: 118 },
        ],
        inputsComplete: true,
      },
      // A list holding a name: what it asks for is not known; inputs built elsewhere: not all known.
      { line: 11, column: 15, model: 'literal', modelAt: { line: 11, column: 43 }, inputs: [], inputsComplete: false },
      // A computed model name is not checked.
      { line: 12, column: 26, outputs: [], inputs: [], inputsComplete: false },
    ]);
  });
});
