// The console's one error type: thrown anywhere in src/console, rendered as a page by its onError.

export class ConsoleError extends Error {
  readonly status: 400 | 401 | 403 | 404 | 409 | 413 | 415 | 500 | 503;

  constructor(status: ConsoleError["status"], message: string) {
    super(message);
    this.name = "ConsoleError";
    this.status = status;
  }
}

/** As the admin API answers a tenant a key may not see: it does not exist, for that key. */
export const noSuchTenant = (tenant: string) => new ConsoleError(404, `no tenant "${tenant}"`);
