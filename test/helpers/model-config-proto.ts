/**
 * model_config.proto for protoc and python3-protobuf in tests, generated from our own descriptor
 * table (src/pbtxt/schema.ts). The upstream file is not copied into this repository; the table was
 * checked field by field against it (triton-inference-server/common protobuf/model_config.proto at
 * 08365ea) when it was written, and these tests hold our configs against the table through protobuf's
 * own parsers.
 */

import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ENUMS, MESSAGES, PACKAGE, type FieldDescriptor } from '../../src/pbtxt/schema.js';

const children = (parent: string | null, names: string[]) =>
  names.filter((name) => {
    const dot = name.lastIndexOf('.');
    return parent === null ? dot < 0 : dot >= 0 && name.slice(0, dot) === parent;
  });

const shortName = (name: string) => name.slice(name.lastIndexOf('.') + 1);

function fieldLine(field: FieldDescriptor): string {
  if (field.map) {
    const value = field.map.value === 'message' ? `.${PACKAGE}.${field.map.valueMessageType}` : field.map.value;
    return `map<${field.map.key}, ${value}> ${field.name} = ${field.number};`;
  }
  const type = field.kind === 'message' ? `.${PACKAGE}.${field.messageType}` : field.kind === 'enum' ? `.${PACKAGE}.${field.enumType}` : field.kind;
  return `${field.repeated ? 'repeated ' : ''}${type} ${field.name} = ${field.number};`;
}

function emitEnum(name: string, indent: string, out: string[]): void {
  out.push(`${indent}enum ${shortName(name)} {`);
  for (const value of ENUMS[name]!.values) out.push(`${indent}  ${value.name} = ${value.number};`);
  out.push(`${indent}}`);
}

function emitMessage(name: string, indent: string, out: string[]): void {
  out.push(`${indent}message ${shortName(name)} {`);
  for (const nested of children(name, Object.keys(ENUMS))) emitEnum(nested, indent + '  ', out);
  for (const nested of children(name, Object.keys(MESSAGES))) emitMessage(nested, indent + '  ', out);
  const fields = MESSAGES[name]!.fields;
  const oneofsDone = new Set<string>();
  for (const field of fields) {
    if (!field.oneof) {
      out.push(`${indent}  ${fieldLine(field)}`);
    } else if (!oneofsDone.has(field.oneof)) {
      oneofsDone.add(field.oneof);
      out.push(`${indent}  oneof ${field.oneof} {`);
      for (const member of fields.filter((f) => f.oneof === field.oneof)) out.push(`${indent}    ${fieldLine(member)}`);
      out.push(`${indent}  }`);
    }
  }
  out.push(`${indent}}`);
}

export function modelConfigProtoText(): string {
  const out = ['// Generated from src/pbtxt/schema.ts for tests (see test/helpers/model-config-proto.ts).', 'syntax = "proto3";', `package ${PACKAGE};`, ''];
  for (const name of children(null, Object.keys(ENUMS))) emitEnum(name, '', out);
  for (const name of children(null, Object.keys(MESSAGES))) emitMessage(name, '', out);
  return out.join('\n') + '\n';
}

/** A folder holding model_config.proto (written once per content), for `protoc -I<dir>`. */
export function modelConfigProtoDir(): string {
  const text = modelConfigProtoText();
  const dir = path.join(os.tmpdir(), `ctm-model-config-proto-${crypto.createHash('sha256').update(text).digest('hex').slice(0, 12)}`);
  const file = path.join(dir, 'model_config.proto');
  if (!fs.existsSync(file)) {
    fs.mkdirSync(dir, { recursive: true });
    const temporary = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, text);
    fs.renameSync(temporary, file);
  }
  return dir;
}
