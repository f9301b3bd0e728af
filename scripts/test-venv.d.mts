export declare const VENV_DIR: string;
export declare const VENV_PYTHON: string;
export declare function ensureTestVenv(): { python: string; minor: string; torch: boolean };
