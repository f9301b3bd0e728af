export declare const TRITON_WHEEL_RELEASE: string;
export declare const TRITON_WHEEL_TAG: string;

export interface TritonWheel {
  /** pytriton/tritonserver: bin/, backends/, python_backend_stubs/<major.minor>/. */
  dist: string;
  /** nvidia_pytriton.libs: the libraries the server and the backend link. */
  libs: string;
  /** The venv's Python, major.minor, and the folder of its libpython. */
  pythonMinor: string;
  pythonLibDir: string;
}

export interface TritonLayout {
  binary: string;
  backends: string;
  env: Record<string, string>;
}

export declare function tritonWheel(): TritonWheel;
export declare function tritonLayout(): TritonLayout;
export declare function tritonArgs(options: {
  repositories: string[];
  ports: { http: number; grpc: number; metrics: number };
  shmPrefix: string;
  explicit?: boolean;
  exitTimeoutSeconds?: number;
  extra?: string[];
}): string[];
