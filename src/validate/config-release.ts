/**
 * What a config asks of the Triton release it runs on: fields that came after that release's
 * model_config.proto (its protobuf refuses them as unknown fields, the way 2.51.0 refuses
 * `model_metrics`, which came in 24.11), and BF16 tensors on the Python backend before 24.08 (the
 * model loads; its stub refuses each BF16 tensor it converts).
 */

import { fullName } from '../pbtxt/schema.js';
import type { ParsedMessage } from '../pbtxt/message.js';
import { BF16_MIN_TRITON_VERSION, tritonOf } from '../model-spec/releases.js';
import type { FindingList } from './findings.js';
import type { TensorSummary } from './config-summary.js';

/** Every field of the message, nested ones included, that `release`'s proto does not have yet. */
export function checkFieldsOfRelease(config: ParsedMessage, release: string, findings: FindingList): void {
  const visit = (message: ParsedMessage) => {
    for (const field of message.fields) {
      const since = field.descriptor.since;
      if (since !== undefined && since > release) {
        findings.error(
          field.nameAt[0],
          'release',
          `Message type "${fullName(message.type)}" has no field named "${field.name}" in ${tritonOf(release)}: the field came in ${since} (validate checks for --triton-version ${release})`,
        );
        continue;
      }
      for (const value of field.values) {
        if (typeof value.value === 'object' && value.value !== null && 'fields' in value.value) visit(value.value);
      }
    }
  };
  visit(config);
}

export function checkBf16(tensors: TensorSummary[], backend: string, release: string, findings: FindingList): void {
  if (backend !== 'python' || release >= BF16_MIN_TRITON_VERSION) return;
  for (const tensor of tensors) {
    if (tensor.dataType === 'TYPE_BF16') {
      findings.warning(tensor.at, 'release', `'${tensor.name}' is TYPE_BF16: the Python backend of ${tritonOf(release)} loads the model but fails every request that carries it ("TYPE_BF16 not currently supported"); BF16 needs ${BF16_MIN_TRITON_VERSION} or later`);
    }
  }
}
