import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import type { CliIO } from './io.js';

function ask(question: string, io: CliIO, hidden: boolean): Promise<string> {
  const muted = new Writable({
    write: (_chunk, _encoding, callback) => {
      callback();
    },
  });
  const rl = createInterface({ input: io.stdin, output: hidden ? muted : undefined, terminal: hidden });
  io.stderr(question);
  return new Promise((resolve) => {
    rl.question('', (answer) => {
      rl.close();
      if (hidden) io.stderr('\n');
      resolve(answer);
    });
  });
}

/** Ask on the terminal without echoing what is typed (secret values). */
export function promptHidden(question: string, io: CliIO): Promise<string> {
  return ask(question, io, true);
}

/** Ask on the terminal; the answer is echoed as typed. */
export function promptLine(question: string, io: CliIO): Promise<string> {
  return ask(question, io, false);
}
