export declare const TEMPLATES_ROOT: string;
export declare const EMBEDDED_MODULE: RegExp;
export declare function embeddedTemplatesSource(root?: string): string;
export declare function embeddedTemplatesVitePlugin(): { name: string; load(id: string): string | undefined };
