/** Whether someone is there to answer questions: a terminal on stdin, and not CI. */

/** CI=true (or any value other than empty/0/false) means nobody is there to answer. */
export function isCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env.CI?.trim().toLowerCase();
  return value !== undefined && value !== '' && value !== '0' && value !== 'false';
}

/** Prompts run unless --yes or --json, and only in a terminal outside CI. */
export function canPrompt(args: { yes: boolean; json: boolean }): boolean {
  return !args.yes && !args.json && Boolean(process.stdin.isTTY) && !isCi();
}
