// Types of kserve-server.mjs for the TypeScript tests that import it.
import type http from 'node:http';
import type { TritonConfig } from './docker.js';

export interface RunningKserveServer {
  port: number;
  url: string;
  requests(): { method: string; path: string; contentType?: string; headerLength?: number; json?: any; binary?: string }[];
  close(): Promise<void>;
  server: http.Server;
}

export function startKserveServer(config: Partial<TritonConfig> & { host?: string; port?: number; requestLog?: string }): Promise<RunningKserveServer>;
