/**
 * Rules for the values of the flags that are not part of a model's Spec: ports, docker's values,
 * sizes and times. Each parser takes what the user typed and returns the value or throws the
 * one-line `<flag> "<value>": <problem>` message. Every value that reaches docker's argv went
 * through one of these: none can start with `-` or hold a control character.
 */

import net from 'node:net';
import { fieldError } from '../ui/errors.js';

const CONTROL = /[\u0000-\u001f\u007f]/;

/** Docker's image reference grammar (distribution/reference): [registry[:port]/]path[:tag][@digest]. */
const DOMAIN_PART = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(?:${DOMAIN_PART}(?:\\.${DOMAIN_PART})*(?::[0-9]+)?|\\[[0-9a-fA-F:]+\\](?::[0-9]+)?)`;
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const REFERENCE = new RegExp(`^(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*(?::${TAG})?(?:@${DIGEST})?$`);

export function parseImageTag(raw: string, label = '--tag'): string {
  if (raw.length > 255 || CONTROL.test(raw) || !REFERENCE.test(raw)) {
    throw fieldError(label, raw, 'not a docker image name (allowed: lower-case name[:tag], e.g. my-project or registry.example.com/team/model:1.0)');
  }
  return raw;
}

const CONTAINER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/;

export function parseContainerName(raw: string): string {
  if (!CONTAINER_NAME.test(raw)) throw fieldError('--name', raw, 'not a container name (allowed: letters, digits, _ . -, starting with a letter or digit)');
  return raw;
}

/** A TCP port; with `zeroPicksFree` also 0, which asks the system for any free port. */
export function parsePort(raw: string, label: string, { zeroPicksFree = false } = {}): number {
  const text = raw.trim();
  const lowest = zeroPicksFree ? 0 : 1;
  if (!/^\d{1,5}$/.test(text) || Number(text) < lowest || Number(text) > 65535) {
    throw fieldError(label, raw, `not a port (allowed: an integer from ${lowest} to 65535${zeroPicksFree ? ', 0 picks a free port' : ''})`);
  }
  return Number(text);
}

/** What docker's --shm-size accepts (go-units RAMInBytes): a number with an optional unit b, k, m, g, t, p. */
export function parseShmSize(raw: string): string {
  const text = raw.trim();
  if (!/^\d+(\.\d+)?\s?([kmgtp]i?b?|b)?$/i.test(text) || Number.parseFloat(text) <= 0) {
    throw fieldError('--shm-size', raw, 'not a size (allowed: a number with a unit, e.g. 1g, 512m, 2gb)');
  }
  return text.replace(/\s/g, '');
}

/** `all`, a count, or a device list such as `device=0,1` (docker passes it to the NVIDIA toolkit). */
export function parseGpus(raw: string): string {
  const text = raw.trim();
  if (text === '' || text.startsWith('-') || CONTROL.test(text) || !/^[\w"=,.:-]+$/.test(text)) {
    throw fieldError('--gpus', raw, 'not a GPU request (allowed: all, a count such as 1, or device=0,1)');
  }
  return text;
}

export function parseTimeoutSeconds(raw: string): number {
  const text = raw.trim();
  const seconds = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || !(seconds > 0) || seconds > 86_400) throw fieldError('--timeout', raw, 'not a number of seconds (allowed: greater than 0, at most 86400)');
  return seconds;
}

/** The host address docker publishes the ports on: an IP address literal. */
export function parseHostAddress(raw: string): string {
  const text = raw.trim().replace(/^\[(.*)\]$/, '$1');
  if (net.isIP(text) === 0) throw fieldError('--host', raw, 'not an IP address (allowed: 127.0.0.1 for this machine only, 0.0.0.0 for every interface, or one of its addresses)');
  return text;
}
