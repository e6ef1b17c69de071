// A build step's failure: StepFailedError for a RUN whose command exited
// non-zero (Docker's message, the command's exit code), and the record of
// which step (`Step 2/3 : RUN …`) an error was thrown in, for the API's
// error message.
import { BerthError, ErrorKind } from '../core/errors.ts';

/** A failing RUN: the message is Docker's and `exitCode` the command's. */
export class StepFailedError extends BerthError {
  readonly exitCode: number;
  constructor(message: string, exitCode: number) {
    super(ErrorKind.InvalidArgument, message);
    this.exitCode = exitCode;
  }
}

/** The step (`Step 2/3 : RUN …`) during which a build error was thrown. */
const failedSteps = new WeakMap<object, string>();

/** The step a build failed at, when the error came from one. */
export function failedStep(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null ? failedSteps.get(err) : undefined;
}

/** Records `stepLine` as the step `err` was thrown in, unless an inner step already was. */
export function markFailedStep(err: unknown, stepLine: string): void {
  if (typeof err === 'object' && err !== null && !failedSteps.has(err)) failedSteps.set(err, stepLine);
}
