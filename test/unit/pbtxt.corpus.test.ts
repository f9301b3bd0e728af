/**
 * Our parser against the real one. Every text here also goes through Debian's protoc 3.21
 * (`protoc --encode=inference.ModelConfig model_config.proto` — generated from our schema table by test/helpers/model-config-proto.ts, the C++ parser Triton
 * uses), all in one python3 process per run, which also turns protoc's binary output into
 * protobuf's JSON (MessageToDict with default values and proto field names; float fields rewritten
 * the way the C++ JSON printer Triton uses writes them, which Python's does slightly differently).
 *
 * - Valid corpus (test/fixtures/pbtxt/valid/*.pbtxt plus small snippets): protoc and we both
 *   accept; toJson → printTextProto → parse gives the same message, and protoc agrees the printed
 *   text encodes the same message; withProto3Defaults(toJson(..)) equals protobuf's own JSON.
 * - Invalid cases: protoc and we both reject; our diagnostics are exactly as listed, and protoc's
 *   first error line is as listed (so where we differ from protoc, the difference is written down).
 */

import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { TEST_PYTHON } from '../helpers/cli.js';
import { modelConfigProtoDir } from '../helpers/model-config-proto.js';
import { INVALID_CASES } from '../fixtures/pbtxt/invalid-cases.js';
import { withProto3Defaults } from '../../src/pbtxt/json.js';
import { toJson } from '../../src/pbtxt/json.js';
import type { ParsedMessage } from '../../src/pbtxt/message.js';
import { parseTextProto } from '../../src/pbtxt/parser.js';
import { printTextProto } from '../../src/pbtxt/printer.js';
import { ENUMS, MESSAGES, mapEntryDescriptor, type FieldDescriptor, type MessageDescriptor } from '../../src/pbtxt/schema.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const FIXTURES = path.join(ROOT, 'test/fixtures');
const VALID_DIR = path.join(FIXTURES, 'pbtxt/valid');

interface ProtocVerdict {
  rc: number;
  /** protoc's stderr lines, without the `input:` prefix. */
  errors: string[];
  /** protoc logged "contains invalid UTF-8 data" while serialising (exit code stays 0). */
  invalidUtf8: boolean;
  /** What protobuf logged while Python parsed protoc's output (Python's protobuf 6, upb, logs nothing). */
  parseLog: string[];
  /** Why Python's protobuf refused to decode protoc's output, if it did. */
  decodeError?: string;
  /** protobuf's JSON of the message (only when rc == 0). */
  json?: Record<string, unknown>;
}

/**
 * protoc here is libprotoc 33 (grpcio-tools); Triton 2.51 links an older protobuf whose text parser
 * words one error differently. Triton's wording is the one users see (test/triton/pbtxt.test.ts holds
 * our messages against Triton's own), so protoc's is translated to it.
 */
const PROTOC_TO_TRITON_WORDING: [RegExp, string][] = [[/Multiline strings are not allowed\. Did you miss a "\?\.$/, 'String literals cannot cross line boundaries.']];

function asTritonWords(line: string): string {
  return PROTOC_TO_TRITON_WORDING.reduce((text, [pattern, words]) => text.replace(pattern, words), line);
}

/** Encode each text with protoc and convert the result to protobuf JSON, in one python3 process. */
function runProtoc(texts: string[]): ProtocVerdict[] {
  const script = String.raw`
import base64, json, math, os, struct, subprocess, sys, tempfile
from grpc_tools import protoc as grpc_protoc
from google.protobuf import descriptor_pb2, descriptor_pool, json_format, message_factory
from google.protobuf.descriptor import FieldDescriptor
request = json.load(sys.stdin)
protoc, include, proto = [sys.executable, "-m", "grpc_tools.protoc"], request["include"], request["proto"]
descriptor_set = subprocess.run([*protoc, "-I" + include, "--include_imports", "--descriptor_set_out=/dev/stdout", proto],
                                check=True, capture_output=True).stdout
pool = descriptor_pool.DescriptorPool()
for file in descriptor_pb2.FileDescriptorSet.FromString(descriptor_set).file:
    pool.Add(file)
ModelConfig = message_factory.GetMessageClass(pool.FindMessageTypeByName("inference.ModelConfig"))

def simple_ftoa(value):
    """A float32 as protobuf's C++ JSON printer (Triton's) writes it: %.6g, or %.9g if 6 digits do not read back."""
    if math.isinf(value) or math.isnan(value):
        return value
    as_float32 = lambda number: struct.unpack("f", struct.pack("f", number))[0]
    short = float("%.6g" % value)
    return short if as_float32(short) == value else float("%.9g" % value)

def with_cxx_floats(message, json):
    """Python's MessageToDict tries 6, 7, 8 then 9 digits for floats; C++ tries 6 then 9."""
    for field in message.DESCRIPTOR.fields:
        if field.name not in json:
            continue
        value = getattr(message, field.name)
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            if field.message_type.fields_by_name["value"].cpp_type == FieldDescriptor.CPPTYPE_MESSAGE:
                for key, entry in value.items():
                    with_cxx_floats(entry, json[field.name][str(key).lower() if isinstance(key, bool) else str(key)])
        elif field.cpp_type == FieldDescriptor.CPPTYPE_MESSAGE:
            if field.is_repeated:
                for element, element_json in zip(value, json[field.name]):
                    with_cxx_floats(element, element_json)
            else:
                with_cxx_floats(value, json[field.name])
        elif field.cpp_type == FieldDescriptor.CPPTYPE_FLOAT:
            fix = lambda number, number_json: simple_ftoa(number) if isinstance(number_json, float) else number_json
            if field.is_repeated:
                json[field.name] = [fix(number, number_json) for number, number_json in zip(value, json[field.name])]
            else:
                json[field.name] = fix(value, json[field.name])
    return json

def encode(text):
    # protoc --encode in a forked child of this process: spawning python -m grpc_tools.protoc per text
    # costs ~50 ms, a fork ~5 ms.
    with tempfile.TemporaryFile() as stdin, tempfile.TemporaryFile() as stdout, tempfile.TemporaryFile() as stderr:
        stdin.write(text)
        stdin.flush()
        stdin.seek(0)
        pid = os.fork()
        if pid == 0:
            os.dup2(stdin.fileno(), 0)
            os.dup2(stdout.fileno(), 1)
            os.dup2(stderr.fileno(), 2)
            os._exit(grpc_protoc.main(["protoc", "--encode=inference.ModelConfig", "-I" + include, proto]))
        _, status = os.waitpid(pid, 0)
        stdout.seek(0)
        stderr.seek(0)
        return os.waitstatus_to_exitcode(status), stdout.read(), stderr.read()

def parse_logging(data):
    """FromString, with what protobuf's C++ library writes to fd 2 meanwhile (its [libprotobuf ERROR ...] lines)."""
    with tempfile.TemporaryFile() as log:
        sys.stderr.flush()
        saved = os.dup(2)
        os.dup2(log.fileno(), 2)
        try:
            return ModelConfig.FromString(data)
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            log.seek(0)
            parse_log.append(log.read().decode("utf-8", "replace"))

results = []
for text in request["texts"]:
    returncode, encoded, stderr = encode(base64.b64decode(text))
    result = {"rc": returncode, "stderr": stderr.decode("utf-8", "replace")}
    parse_log = []
    if returncode == 0:
        try:
            message = parse_logging(encoded)
            result["json"] = with_cxx_floats(message, json_format.MessageToDict(message, always_print_fields_with_no_presence=True, preserving_proto_field_name=True))
        except Exception as error:  # e.g. invalid UTF-8 that protoc let through
            result["stderr"] += "python: " + str(error)
    result["parseLog"] = "".join(parse_log)
    results.append(result)
json.dump(results, sys.stdout)
`;
  const request = {
    include: modelConfigProtoDir(),
    proto: 'model_config.proto',
    texts: texts.map((text) => Buffer.from(text, 'utf8').toString('base64')),
  };
  // stderr is captured, not inherited: a passing run prints nothing, and anything logged outside a parse is a failure.
  const run = spawnSync(TEST_PYTHON, ['-c', script], { input: JSON.stringify(request), maxBuffer: 64 * 1024 * 1024 });
  if (run.status !== 0 || run.stderr.length > 0) throw new Error(`python exited ${run.status} and wrote to stderr:\n${run.stderr}`);
  return (JSON.parse(run.stdout.toString()) as { rc: number; stderr: string; parseLog: string; json?: Record<string, unknown> }[]).map((result) => ({
    rc: result.rc,
    errors: result.stderr
      .split('\n')
      .filter((line) => line.startsWith('input:'))
      .map((line) => asTritonWords(line.slice('input:'.length))),
    invalidUtf8: result.stderr.includes('contains invalid UTF-8 data'),
    parseLog: result.parseLog.split('\n').filter(Boolean),
    ...(/^python: (.*)$/m.test(result.stderr) ? { decodeError: /^python: (.*)$/m.exec(result.stderr)![1] } : {}),
    ...(result.json ? { json: result.json } : {}),
  }));
}

const protocRejects = (verdict: ProtocVerdict) => verdict.rc !== 0 || verdict.invalidUtf8;
const format = (diagnostics: { line: number; column: number; message: string }[]) => diagnostics.map((d) => `${d.line}:${d.column}: ${d.message}`);

// ------------------------------------------------------------------------------------------------
// Valid texts

const validFiles = readdirSync(VALID_DIR)
  .filter((name) => name.endsWith('.pbtxt'))
  .sort()
  .map((name) => ({ name, text: readFileSync(path.join(VALID_DIR, name), 'utf8') }));

const VALID_SNIPPETS: { name: string; text: string }[] = [
  { name: 'message field with colon', text: 'version_policy: { all: { } }' },
  { name: 'angle brackets', text: 'version_policy < latest < num_versions: 3 > >' },
  { name: 'repeated mixed with lists', text: 'input { dims: [ 1, 2 ] dims: 3 dims: [4] dims: [] }' },
  { name: 'empty message list', text: 'input [ ] output: [ ]' },
  { name: 'semicolons and commas', text: 'name: "a"; backend: "python", max_batch_size: 1' },
  { name: 'default then value', text: 'max_batch_size: 0 max_batch_size: 8' },
  { name: 'open enum numbers', text: 'input { data_type: 99 } instance_group { kind: -7 }' },
  { name: 'negative zero int', text: 'max_batch_size: -0' },
  { name: 'minus then space', text: 'input { dims: - 1 }' },
  { name: 'int32 extremes', text: 'max_batch_size: -2147483648' },
  { name: 'uint64 max map key', text: 'dynamic_batching { priority_queue_policy { key: 18446744073709551615 } }' },
  { name: 'map entry without value', text: 'parameters { key: "k" }' },
  { name: 'duplicate map keys', text: 'metric_tags { key: "a" value: "1" } metric_tags { key: "a" value: "2" }' },
  { name: 'oneof member set to default', text: 'model_warmup { inputs { key: "i" value { zero_data: false } } }' },
  { name: 'float words', text: 'sequence_batching { direct { minimum_slot_utilization: -Infinity } }' },
  { name: 'unicode escapes', text: 'name: "\\u00e9\\U0001F600\\uD83D\\uDE00"' },
  { name: 'raw control character inside a string', text: 'name: "a\u0001b"' },
  { name: 'CR inside a string', text: 'name: "a\rb"' },
  { name: 'comment right after a value', text: 'max_batch_size: 4#comment\nname: "x"' },
  { name: 'vertical tab and form feed are whitespace', text: 'name: "a"\v\fbackend: "b"' },
];

const validCases = [...validFiles.map(({ name, text }) => ({ name: `file ${name}`, text })), ...VALID_SNIPPETS];

// ------------------------------------------------------------------------------------------------
// Invalid texts: what we report, and protoc's first error line (protoc: 1-based line:column of the
// token after the field name or value for some value errors; columns count bytes and expand tabs).


// ------------------------------------------------------------------------------------------------
// Differential fuzzing: random ModelConfig texts built from the schema (valid and invalid values,
// every syntax variant), a third of them with one character deleted or doubled. Seeded, so the
// same texts every run.

function generateFuzzTexts(count: number, seed: number): string[] {
  let state = seed;
  const random = () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
  const pick = <T,>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const chance = (p: number) => random() < p;
  const SCALARS: Record<string, string[]> = {
    int32: ['0', '1', '-1', '2147483647', '-2147483648', '2147483648', '0x10', '017', '- 3'],
    uint32: ['0', '4294967295', '4294967296', '-1', '0x0', '7'],
    int64: ['0', '-9223372036854775808', '9223372036854775807', '9223372036854775808', '-1', '0xFF'],
    uint64: ['0', '18446744073709551615', '18446744073709551616', '-0', '12'],
    float: ['0', '-0', '1.5f', '.5', 'inf', '-nan', '1e39', '0x1', '3.4028236e38', 'Infinity', '1', 'x'],
    double: ['0', '1e308', '-inf', '5e-324', '017', 'NaN', '2.'],
    bool: ['true', 'false', 'True', 'f', '1', '0', '2', 'TRUE', '0x1'],
    string: ['"a"', "'b'", '"a" "b"', '""', '"\\xff"', '"\\u00e9"', '"\\uD800"', '"é"', '"\\101"', 'a'],
  };
  const scalar = (field: FieldDescriptor) => {
    if (field.kind !== 'enum') return pick(SCALARS[field.kind] ?? ['0']);
    return chance(0.7) ? pick(ENUMS[field.enumType ?? '']?.values ?? []).name : pick(['0', '99', '-1', 'BOGUS', '"TYPE_FP32"', '2147483648']);
  };
  const value = (parent: MessageDescriptor, field: FieldDescriptor, depth: number): string => {
    if (field.kind !== 'message') return scalar(field);
    const type = field.map ? mapEntryDescriptor(parent.name, field) : (MESSAGES[field.messageType ?? ''] as MessageDescriptor);
    const [open, close] = chance(0.8) ? ['{', '}'] : ['<', '>'];
    return depth > 4 ? `${open} ${close}` : `${open} ${body(type, depth + 1)} ${close}`;
  };
  const fieldText = (parent: MessageDescriptor, field: FieldDescriptor, depth: number) => {
    const colon = field.kind === 'message' ? pick(['', ': ', ' ']) : ': ';
    if (field.repeated && chance(0.4)) {
      const values = Array.from({ length: Math.floor(random() * 3) }, () => value(parent, field, depth));
      return `${field.name}${colon}[${values.join(', ')}]`;
    }
    return `${field.name}${colon}${value(parent, field, depth)}`;
  };
  const body = (descriptor: MessageDescriptor, depth: number): string => {
    let text = '';
    const fieldCount = Math.floor(random() * Math.min(4, descriptor.fields.length + 1));
    for (let index = 0; index < fieldCount; index++) {
      text += chance(0.03) ? 'bogus: 1' : fieldText(descriptor, pick(descriptor.fields), depth);
      text += pick([' ', ' ', '\n', '; ', ', ', ' # c\n']);
    }
    return text;
  };
  return Array.from({ length: count }, () => {
    let text = body(MESSAGES.ModelConfig as MessageDescriptor, 0);
    if (chance(0.3)) {
      const at = Math.floor(random() * text.length);
      text = chance(0.5) ? text.slice(0, at) + text.slice(at + 1) : text.slice(0, at) + text.charAt(at) + text.slice(at);
    }
    return text;
  });
}

const FUZZ_TEXTS = generateFuzzTexts(400, 20240611);

// ------------------------------------------------------------------------------------------------

let fuzzVerdicts: ProtocVerdict[] = [];
let validVerdicts: ProtocVerdict[] = [];
let roundTripVerdicts: ProtocVerdict[] = [];
let invalidVerdicts: ProtocVerdict[] = [];

function parseOk(text: string): ParsedMessage {
  const result = parseTextProto(text);
  expect(format(result.diagnostics)).toEqual([]);
  expect(result.message).toBeDefined();
  return result.message as ParsedMessage;
}

const roundTripText = (text: string) => printTextProto(toJson(parseOk(text)));

beforeAll(() => {
  const printed = validCases.map(({ text }) => {
    try {
      return roundTripText(text);
    } catch {
      return '';
    }
  });
  const invalidTexts = INVALID_CASES.map(({ text }) => text);
  const verdicts = runProtoc([...validCases.map(({ text }) => text), ...printed, ...invalidTexts, ...FUZZ_TEXTS]);
  validVerdicts = verdicts.slice(0, validCases.length);
  roundTripVerdicts = verdicts.slice(validCases.length, 2 * validCases.length);
  invalidVerdicts = verdicts.slice(2 * validCases.length, 2 * validCases.length + invalidTexts.length);
  fuzzVerdicts = verdicts.slice(2 * validCases.length + invalidTexts.length);
}, 120_000);

describe('valid corpus', () => {
  it('has the realistic configs the brief lists', () => {
    expect(validFiles.map(({ name }) => name)).toEqual(
      expect.arrayContaining(['add_sub.pbtxt', 'decoupled_repeat.pbtxt', 'bls.pbtxt', 'sequence_oldest_state.pbtxt', 'ensemble.pbtxt', 'dynamic_batching_priority.pbtxt', 'model_warmup.pbtxt', 'optimization.pbtxt', 'kitchen_sink.pbtxt']),
    );
  });

  describe.each(validCases.map((testCase, index) => ({ ...testCase, index })))('$name', ({ text, index }) => {
    it('is accepted by protoc', () => {
      const verdict = validVerdicts[index];
      expect(verdict?.errors).toEqual([]);
      expect(verdict?.rc).toBe(0);
      expect(verdict?.invalidUtf8).toBe(false);
    });

    it('is accepted by our parser', () => {
      parseOk(text);
    });

    it('gives the JSON protobuf gives (defaults included)', () => {
      expect(withProto3Defaults(toJson(parseOk(text)))).toEqual(validVerdicts[index]?.json);
    });

    it('round-trips: parse → toJson → printTextProto → parse', () => {
      const json = toJson(parseOk(text));
      const printed = printTextProto(json);
      expect(toJson(parseOk(printed))).toEqual(json);
      expect(printTextProto(toJson(parseOk(printed)))).toBe(printed);
    });

    it('round-trips through protoc: the printed text encodes the same message', () => {
      expect(roundTripVerdicts[index]?.rc).toBe(0);
      expect(roundTripVerdicts[index]?.json).toEqual(validVerdicts[index]?.json);
    });
  });
});

describe('invalid texts', () => {
  describe.each(INVALID_CASES.map((testCase, index) => ({ ...testCase, index })))('$name', ({ text, ours, protoc, index }) => {
    it('is rejected by protoc as listed', () => {
      const verdict = invalidVerdicts[index] as ProtocVerdict;
      expect(protocRejects(verdict)).toBe(true);
      expect(protoc === 'invalid UTF-8' ? (verdict.invalidUtf8 ? 'invalid UTF-8' : verdict.errors[0]) : verdict.errors[0]).toBe(protoc);
    });

    it('is rejected by our parser with the listed diagnostics', () => {
      const result = parseTextProto(text);
      expect(format(result.diagnostics)).toEqual(ours);
      expect(result.diagnostics.every((diagnostic) => diagnostic.severity === 'error')).toBe(true);
    });

    it("reports protoc's first message", () => {
      // Same wording as protoc, except our enum wording for unknown enum names. Invalid UTF-8 does
      // not stop protoc: when it failed on something else, compare with our next diagnostic.
      const first = (protoc !== 'invalid UTF-8' ? ours.find((line) => !line.includes('UTF-8')) : undefined) ?? ours[0];
      const ourFirst = (first ?? '').replace(/^\d+:\d+: /, '');
      const protocFirst = protoc.replace(/^\d+:\d+: /, '');
      if (protoc === 'invalid UTF-8') expect(ourFirst).toMatch(/contains invalid UTF-8 data\.$/);
      else if (/^unknown (data type|value) /.test(ourFirst)) expect(protocFirst).toMatch(/^Unknown enumeration value of /);
      else expect(ourFirst).toBe(protocFirst);
    });
  });
});

describe("protobuf's own log", () => {
  it('Python refuses to decode exactly what protoc serialised with invalid UTF-8, and logs nothing', () => {
    const all = [...validVerdicts, ...roundTripVerdicts, ...invalidVerdicts, ...fuzzVerdicts];
    // protoc (C++) logs invalid UTF-8 while serialising and exits 0; Python's protobuf (upb) then refuses
    // the bytes. Nothing reaches the test's output: protoc's stderr and anything Python logs are captured.
    const flagged = all.filter((verdict) => verdict.rc === 0 && verdict.invalidUtf8);
    expect(flagged.length).toBeGreaterThanOrEqual(10);
    for (const verdict of all) {
      expect(verdict.decodeError !== undefined, verdict.decodeError).toBe(verdict.rc === 0 && verdict.invalidUtf8);
      expect(verdict.parseLog).toEqual([]);
    }
  });
});

describe('differential fuzzing against protoc', () => {
  /** Our first diagnostic protoc would also print first: invalid UTF-8 does not stop protoc, so skip it when protoc failed on something else. */
  const ourFirst = (text: string, verdict: ProtocVerdict) => {
    const { diagnostics } = parseTextProto(text);
    return (verdict.rc !== 0 ? diagnostics.find((d) => !d.message.includes('UTF-8')) : undefined) ?? diagnostics[0];
  };

  it('generates a useful mix of accepted and rejected texts', () => {
    const accepted = fuzzVerdicts.filter((verdict) => !protocRejects(verdict)).length;
    expect(accepted).toBeGreaterThan(FUZZ_TEXTS.length / 4);
    expect(accepted).toBeLessThan((FUZZ_TEXTS.length * 3) / 4);
  });

  it('agrees with protoc on every text: verdict, first message, and position of syntax errors', () => {
    const disagreements: string[] = [];
    FUZZ_TEXTS.forEach((text, index) => {
      const verdict = fuzzVerdicts[index] as ProtocVerdict;
      const first = ourFirst(text, verdict);
      const ours = first ? `${first.line}:${first.column}: ${first.message}` : 'accepted';
      const theirs = !protocRejects(verdict) ? 'accepted' : verdict.rc === 0 ? 'invalid UTF-8' : (verdict.errors[0] ?? '?');
      const ourMessage = ours.replace(/^\d+:\d+: /, '');
      const theirMessage = theirs.replace(/^\d+:\d+: /, '');
      const sameMessage =
        ourMessage === theirMessage ||
        (/^unknown (data type|value) /.test(ourMessage) && theirMessage.startsWith('Unknown enumeration value of ')) ||
        (theirs === 'invalid UTF-8' && ourMessage.endsWith('contains invalid UTF-8 data.'));
      // Value errors are reported at the name/value itself, protoc at the token after it.
      const valueError = /has no field named|specified multiple times|specified along with|^unknown |^Extension|Invalid value for boolean|UTF-8/.test(ourMessage);
      const samePosition = ours.split(': ')[0] === theirs.split(': ')[0] || valueError || /[^\x00-\x7f]/.test(text);
      if (!sameMessage || !samePosition) disagreements.push(`${JSON.stringify(text)}\n  ours:   ${ours}\n  protoc: ${theirs}`);
    });
    expect(disagreements).toEqual([]);
  });
});
