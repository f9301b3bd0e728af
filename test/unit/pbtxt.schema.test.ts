/**
 * src/pbtxt/schema.ts against model_config.proto as protoc compiles it. The upstream proto is not
 * copied into this repository: the table was checked against it (triton-inference-server/common,
 * r26.06) when written, and the tests compile the .proto generated from the table
 * (test/helpers/model-config-proto.ts), so this holds the generator and the table together: every message
 * (nested ones included, map entries as `map`), every field with its number, kind, label, type,
 * oneof and map key/value kinds, in declaration order; every enum with its values.
 */

import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TEST_PYTHON } from '../helpers/cli.js';
import { modelConfigProtoDir } from '../helpers/model-config-proto.js';
import { describe, expect, it } from 'vitest';
import { ENUMS, MESSAGES, fieldDescriptor, fullName, mapEntryDescriptor, mapEntryName, messageDescriptor, type FieldDescriptor } from '../../src/pbtxt/schema.js';

const FIXTURES = modelConfigProtoDir();

/** The proto's descriptors in our schema's shape, computed by protoc + Debian's python3-protobuf. */
function describeProto(): { messages: Record<string, FieldDescriptor[]>; enums: Record<string, [string, number][]> } {
  const script = String.raw`
import json, subprocess, sys
from google.protobuf import descriptor_pb2
from google.protobuf.descriptor_pb2 import FieldDescriptorProto as F
descriptor_set = subprocess.run([sys.executable, "-m", "grpc_tools.protoc", "-I" + sys.argv[1], "--descriptor_set_out=/dev/stdout", "model_config.proto"],
                                check=True, capture_output=True).stdout
file = descriptor_pb2.FileDescriptorSet.FromString(descriptor_set).file[0]
KINDS = {F.TYPE_DOUBLE: "double", F.TYPE_FLOAT: "float", F.TYPE_INT64: "int64", F.TYPE_UINT64: "uint64", F.TYPE_INT32: "int32",
         F.TYPE_BOOL: "bool", F.TYPE_STRING: "string", F.TYPE_MESSAGE: "message", F.TYPE_BYTES: "bytes", F.TYPE_UINT32: "uint32",
         F.TYPE_ENUM: "enum"}
local = lambda type_name: type_name[len(".inference."):]
entries, messages, enums = {}, {}, {}

def collect(message, prefix):
    name = prefix + message.name
    if message.options.map_entry:
        entries[name] = message
        return
    messages[name] = message
    for nested in message.nested_type:
        collect(nested, name + ".")
    for enum in message.enum_type:
        enums[name + "." + enum.name] = [[value.name, value.number] for value in enum.value]

for message in file.message_type:
    collect(message, "")
for enum in file.enum_type:
    enums[enum.name] = [[value.name, value.number] for value in enum.value]

def describe_field(message, field):
    out = {"name": field.name, "number": field.number, "kind": KINDS[field.type]}
    if field.label == F.LABEL_REPEATED:
        out["repeated"] = True
    if field.type == F.TYPE_ENUM:
        out["enumType"] = local(field.type_name)
    if field.type == F.TYPE_MESSAGE:
        entry = entries.get(local(field.type_name))
        if entry is None:
            out["messageType"] = local(field.type_name)
        else:
            key, value = entry.field
            out["map"] = {"key": KINDS[key.type], "value": KINDS[value.type]}
            if value.type == F.TYPE_MESSAGE:
                out["map"]["valueMessageType"] = local(value.type_name)
    if field.HasField("oneof_index"):
        out["oneof"] = message.oneof_decl[field.oneof_index].name
    return out

json.dump({"messages": {name: [describe_field(message, field) for field in message.field] for name, message in messages.items()},
           "enums": enums}, sys.stdout)
`;
  return JSON.parse(execFileSync(TEST_PYTHON, ['-c', script, FIXTURES]).toString());
}

/** Our descriptor without `undefined` members, for comparison; `since` (the release that added a field) is ours, not the proto's. */
const normalise = (field: FieldDescriptor) => JSON.parse(JSON.stringify({ ...field, since: undefined })) as FieldDescriptor;

describe('schema matches model_config.proto', () => {
  const proto = describeProto();

  it('lists every message of the proto, and nothing else', () => {
    expect(Object.keys(MESSAGES).sort()).toEqual(Object.keys(proto.messages).sort());
  });

  it.each(Object.keys(proto.messages))('%s: fields, numbers, kinds, labels, oneofs and maps, in declaration order', (name) => {
    expect(MESSAGES[name]?.name).toBe(name);
    expect(MESSAGES[name]?.fields.map(normalise)).toEqual(proto.messages[name]);
  });

  it('lists every enum of the proto with its values', () => {
    const ours = Object.fromEntries(Object.entries(ENUMS).map(([name, descriptor]) => [name, descriptor.values.map((value) => [value.name, value.number])]));
    expect(ours).toEqual(proto.enums);
    for (const [name, descriptor] of Object.entries(ENUMS)) expect(descriptor.name).toBe(name);
  });

  it('reaches every message and enum from ModelConfig', () => {
    const seenMessages = new Set<string>();
    const seenEnums = new Set<string>();
    const visit = (type: string) => {
      if (seenMessages.has(type)) return;
      seenMessages.add(type);
      for (const field of messageDescriptor(type).fields) {
        if (field.enumType) seenEnums.add(field.enumType);
        if (field.messageType) visit(field.messageType);
        if (field.map?.valueMessageType) visit(field.map.valueMessageType);
      }
    };
    visit('ModelConfig');
    expect([...seenMessages].sort()).toEqual(Object.keys(MESSAGES).sort());
    expect([...seenEnums].sort()).toEqual(Object.keys(ENUMS).sort());
  });
});

describe('schema helpers', () => {
  it('names map entries like protoc', () => {
    expect(mapEntryName('parameters')).toBe('ParametersEntry');
    expect(mapEntryName('cc_model_filenames')).toBe('CcModelFilenamesEntry');
    expect(mapEntryName('priority_queue_policy')).toBe('PriorityQueuePolicyEntry');
    expect(fullName('ModelConfig')).toBe('inference.ModelConfig');
  });

  it('synthesises map entry descriptors and finds them by name', () => {
    const parameters = fieldDescriptor('ModelConfig', 'parameters') as FieldDescriptor;
    const entry = mapEntryDescriptor('ModelConfig', parameters);
    expect(entry).toEqual({
      name: 'ModelConfig.ParametersEntry',
      fields: [
        { name: 'key', number: 1, kind: 'string' },
        { name: 'value', number: 2, kind: 'message', messageType: 'ModelParameter' },
      ],
    });
    expect(messageDescriptor('ModelDynamicBatching.PriorityQueuePolicyEntry').fields[0]).toEqual({ name: 'key', number: 1, kind: 'uint64' });
    expect(messageDescriptor('ModelEnsembling.Step.InputMapEntry').fields[1]).toEqual({ name: 'value', number: 2, kind: 'string' });
    expect(() => messageDescriptor('ModelConfig.NoSuchEntry')).toThrow(/unknown message type/);
  });
});
