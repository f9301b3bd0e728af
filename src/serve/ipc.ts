/**
 * The framed protocol between serve and a model's Python process (templates/serve/worker.py), over
 * a socket of its own (fd 3 when the process starts, which worker.py moves out of the model's reach
 * before any model code runs), so nothing the model prints can corrupt it.
 * A frame is: header length (u32 LE), payload length (u32 LE), the header as UTF-8 JSON, the payload.
 * Tensors travel in the payload as raw bytes (Triton's wire form: little-endian, row-major, BYTES
 * elements length-prefixed); the header lists them as {name, datatype, shape, offset, size}.
 */

export type FrameHeader = Record<string, unknown>;

export interface Frame {
  header: FrameHeader;
  payload: Buffer;
}

export interface TensorDescriptor {
  name: string;
  datatype: string;
  shape: number[];
  offset: number;
  size: number;
}

export interface Tensor {
  name: string;
  datatype: string;
  shape: number[];
  data: Buffer;
}

const PREFIX = 8;

/**
 * Bounds on one frame. A header is a small JSON object (tensor descriptors, parameters, a log line,
 * an error with its traceback); a payload is the tensors of one request or response. A length past
 * these is not a frame but bytes that do not belong on the channel: the process is treated as
 * crashed rather than serve waiting (or allocating) for gigabytes that will never come.
 */
export const MAX_HEADER_BYTES = 64 * 1024 * 1024;
export const MAX_PAYLOAD_BYTES = 2 ** 31 - 1;

/** The channel carried something that is not a frame. */
export class FrameError extends Error {}

export function encodeFrame(header: FrameHeader, payload: Buffer = Buffer.alloc(0)): Buffer {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const prefix = Buffer.alloc(PREFIX);
  prefix.writeUInt32LE(json.length, 0);
  prefix.writeUInt32LE(payload.length, 4);
  return Buffer.concat([prefix, json, payload]);
}

/** Splits a byte stream into frames, chunk by chunk. */
export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;

  push(chunk: Buffer): Frame[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const frames: Frame[] = [];
    for (;;) {
      if (this.buffered < PREFIX) break;
      const head = this.peek(PREFIX);
      const headerLength = head.readUInt32LE(0);
      const payloadLength = head.readUInt32LE(4);
      if (headerLength > MAX_HEADER_BYTES || payloadLength > MAX_PAYLOAD_BYTES) {
        throw new FrameError(`a frame of ${headerLength} + ${payloadLength} bytes, beyond the bounds of ${MAX_HEADER_BYTES} + ${MAX_PAYLOAD_BYTES}`);
      }
      const total = PREFIX + headerLength + payloadLength;
      if (this.buffered < total) break;
      const whole = this.take(total);
      frames.push({ header: parseHeader(whole.subarray(PREFIX, PREFIX + headerLength)), payload: whole.subarray(PREFIX + headerLength) });
    }
    return frames;
  }

  private peek(length: number): Buffer {
    if ((this.chunks[0] as Buffer).length < length) this.chunks = [Buffer.concat(this.chunks)];
    return (this.chunks[0] as Buffer).subarray(0, length);
  }

  private take(length: number): Buffer {
    const all = this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks);
    this.chunks = all.length > length ? [all.subarray(length)] : [];
    this.buffered -= length;
    return all.subarray(0, length);
  }
}

function parseHeader(bytes: Buffer): FrameHeader {
  let header: unknown;
  try {
    header = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new FrameError(`a frame header that is not JSON (${(error as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new FrameError('a frame header that is not a JSON object');
  return header as FrameHeader;
}

/** Tensors -> descriptors for the header and one payload holding their bytes. */
export function packTensors(tensors: readonly Tensor[]): { descriptors: TensorDescriptor[]; payload: Buffer } {
  let offset = 0;
  const descriptors = tensors.map((tensor) => {
    const descriptor = { name: tensor.name, datatype: tensor.datatype, shape: tensor.shape, offset, size: tensor.data.length };
    offset += tensor.data.length;
    return descriptor;
  });
  return { descriptors, payload: Buffer.concat(tensors.map((tensor) => tensor.data)) };
}

export function unpackTensors(descriptors: unknown, payload: Buffer): Tensor[] {
  if (!Array.isArray(descriptors)) return [];
  return (descriptors as TensorDescriptor[]).map((d) => ({ name: d.name, datatype: d.datatype, shape: d.shape, data: payload.subarray(d.offset, d.offset + d.size) }));
}
