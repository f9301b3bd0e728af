/** What the docker suite's global setup hands to its test files (vitest provide/inject). */

export interface DockerSuiteContext {
  /** Environment for every docker call and for the CLI under test: DOCKER_HOST is the suite's own daemon. */
  env: Record<string, string | undefined>;
  /** The suite's temporary root (deleted at teardown): test projects go under it. */
  root: string;
  /** The stand-in base image, tagged as the generated Dockerfile's default FROM. */
  standInImage: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    dockerSuite: DockerSuiteContext;
  }
}
