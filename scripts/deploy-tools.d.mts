export declare const TOOLS_DIR: string;
export declare const TOOLS_BIN: string;
export declare const TOOLS: { name: string; module: string; version: string }[];
export declare function ensureDeployTools(): { helm: string; kustomize: string };
