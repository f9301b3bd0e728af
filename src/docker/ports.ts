/**
 * A port that is already taken is reported before docker is called: docker's own message
 * ("driver failed programming external connectivity ... address already in use") comes only after
 * it has created the container, and names neither the flag nor what to do.
 */

import net from 'node:net';
import { UserError } from '../ui/errors.js';

export interface PublishedPort {
  /** What it carries, for the message: HTTP, gRPC, metrics. */
  label: string;
  /** The flag that changes it. */
  flag: string;
  port: number;
}

/** Why binding host:port fails right now, or undefined when it is free. */
export function portProblem(port: number, host: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') resolve('is already in use');
      else if (error.code === 'EACCES') resolve('needs administrator rights (ports below 1024)');
      else if (error.code === 'EADDRNOTAVAIL') resolve('cannot be used: the address is not one of this machine');
      else resolve(`cannot be used (${error.code ?? error.message})`);
    });
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(undefined)));
  });
}

/** Throws a one-line UserError for the first port that cannot be published, or two flags naming one port. */
export async function checkPorts(ports: PublishedPort[], host: string): Promise<void> {
  for (const [index, entry] of ports.entries()) {
    const twin = ports.slice(0, index).find((other) => other.port === entry.port);
    if (twin) throw new UserError(`${entry.flag} ${entry.port}: ${twin.flag} uses the same port (give each one its own)`);
  }
  for (const entry of ports) {
    const problem = await portProblem(entry.port, host);
    if (problem) {
      throw new UserError(`port ${entry.port} (${entry.label}) on ${host} ${problem}: stop what uses it, or choose another port with ${entry.flag}`);
    }
  }
}
