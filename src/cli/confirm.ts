// cli: docker's y/N confirmation before destructive commands (prune). The
// prompt goes to stdout, as the docker CLI writes it; anything but y/yes (or
// end of input) means no.
import { createInterface } from 'node:readline';
import { out } from '../cli-kit/index.ts';

export async function confirm(prompt: string): Promise<boolean> {
  out(prompt);
  const rl = createInterface({ input: process.stdin, terminal: false });
  try {
    const answer = await new Promise<string>((resolve) => {
      rl.once('line', resolve);
      rl.once('close', () => resolve(''));
    });
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
