/**
 * What serve reads from a model's process: frames on its channel (a frame that is not one is an
 * error, not a crash of serve or a wait for gigabytes), and the lines it prints (split as they
 * come, a carriage return starting the line over, an overlong line cut once).
 */

import { describe, expect, it } from 'vitest';
import { encodeFrame, FrameError, FrameReader, MAX_HEADER_BYTES } from '../../src/serve/ipc.js';
import { LineSplitter } from '../../src/serve/log.js';

describe('FrameReader', () => {
  it('reads frames split anywhere across chunks', () => {
    const bytes = Buffer.concat([encodeFrame({ op: 'a' }, Buffer.from('xyz')), encodeFrame({ op: 'b', n: 2 })]);
    const reader = new FrameReader();
    const frames = [...bytes].flatMap((byte) => reader.push(Buffer.from([byte])));
    expect(frames.map((frame) => [frame.header, frame.payload.toString()])).toEqual([
      [{ op: 'a' }, 'xyz'],
      [{ op: 'b', n: 2 }, ''],
    ]);
  });

  it('throws a FrameError for a header that is not a JSON object, and for lengths past the bounds, without waiting for them', () => {
    const prefix = (header: number, payload: number) => {
      const bytes = Buffer.alloc(8);
      bytes.writeUInt32LE(header, 0);
      bytes.writeUInt32LE(payload, 4);
      return bytes;
    };
    expect(() => new FrameReader().push(Buffer.concat([prefix(4, 0), Buffer.from('nope')]))).toThrow(FrameError);
    expect(() => new FrameReader().push(Buffer.concat([prefix(2, 0), Buffer.from('[]')]))).toThrow('a frame header that is not a JSON object');
    expect(() => new FrameReader().push(prefix(MAX_HEADER_BYTES + 1, 0))).toThrow(/^a frame of \d+ \+ 0 bytes, beyond the bounds/);
    expect(() => new FrameReader().push(prefix(2, 0xfffffff0))).toThrow(FrameError);
  });
});

describe('LineSplitter', () => {
  const split = (chunks: string[], max?: number) => {
    const out: string[] = [];
    const lines = new LineSplitter((text) => out.push(text), max);
    for (const chunk of chunks) lines.push(chunk);
    lines.end();
    return out.join('');
  };

  it('passes whole lines, joining a line split across chunks; an unfinished last line ends the stream', () => {
    expect(split(['one\ntw', 'o\nthr', 'ee'])).toBe('one\ntwo\nthree\n');
  });

  it('a carriage return starts the line over (a progress bar redrawing itself) but \\r\\n ends it, even split across chunks', () => {
    expect(split(['10%\r20%', '\r30%\r', 'done\n'])).toBe('done\n');
    expect(split(['windows\r', '\nline\r\n'])).toBe('windows\nline\n');
  });

  it('cuts a line longer than the bound once, with a note, drops the rest of it, and goes on whole after its newline', () => {
    expect(split(['abcdefgh', 'ijkl\nnext\n'], 5)).toBe('abcde [... cut: the line is longer than 5 characters]\nnext\n');
  });
});
