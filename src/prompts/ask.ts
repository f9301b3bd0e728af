/** What every question flow shares: answers judged by the field rules, and ESC or Ctrl-C as a cancel (exit 130). */

import readline from 'node:readline';
import { InvalidValue } from '../model-spec/fields.js';
import { InterruptedError } from '../ui/errors.js';

/** An inquirer validator from a field rule: true, or the rule's complaint shown under the answer (an empty answer passes when `optional`). */
export const check =
  (parse: (raw: unknown) => unknown, optional = false) =>
  (answer: string): string | true => {
    if (optional && answer.trim() === '') return true;
    try {
      parse(answer);
      return true;
    } catch (error) {
      if (error instanceof InvalidValue) return error.message;
      throw error;
    }
  };

/** Run a flow of questions, each given `ask` (the signal ESC aborts); a cancelled question ends it as Ctrl-C does. */
export async function askAll<T>(flow: (ask: { signal: AbortSignal }) => Promise<T>): Promise<T> {
  // ESC cancels like Ctrl-C: inquirer reports Ctrl-C itself, ESC arrives here as a keypress.
  const controller = new AbortController();
  readline.emitKeypressEvents(process.stdin);
  const onKeypress = (_: unknown, key: { name?: string } | undefined) => {
    if (key?.name === 'escape') controller.abort();
  };
  process.stdin.on('keypress', onKeypress);
  try {
    return await flow({ signal: controller.signal });
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'ExitPromptError' || name === 'AbortPromptError' || name === 'CancelPromptError') throw new InterruptedError('SIGINT');
    throw error;
  } finally {
    process.stdin.off('keypress', onKeypress);
  }
}
