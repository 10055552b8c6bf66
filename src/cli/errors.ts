// One error type for everything the operator must read: tenant.ts prints its message on stderr
// and exits with its code, so no other module writes to the terminal or calls process.exit.

/** Exit code 2 marks a usage mistake (bad command, flag or name); 1 marks a failed operation. */
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export class CliError extends Error {
  readonly exitCode: number;

  constructor(message: string, exitCode: number = EXIT_FAILURE) {
    super(message);
    this.name = "CliError";
    this.exitCode = exitCode;
  }
}

export const usageError = (message: string) => new CliError(message, EXIT_USAGE);
