/** What render produces: files in memory, and copy instructions for the user's assets. */

export type RenderedFile =
  | { path: string; content: string | Buffer }
  /** A file or folder of the user's copied as it is (assets); folders recursively. render never reads it: the writer does. */
  | { path: string; copyFrom: string };

export interface RenderedProject {
  /** Sorted by path. */
  files: RenderedFile[];
}

export interface RenderOptions {
  /** Name of the project folder: titles the README and names the docker image. */
  projectName: string;
}
