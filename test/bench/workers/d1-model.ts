// The benchmark's model of a deployed D1 (issue 15): every round trip to the database (a statement's
// run/all/first/raw, a batch, an exec) waits `latencyMs` before it reaches the local database, as a
// call to D1's primary waits on the network, and is counted. Worker reads and writer writes alike go
// through it. Bench-only: the entries in this folder hand it to the code under test in place of the
// DB binding; the client sets the latency and reads the count over /__bench/ routes those entries add.

export interface ModelState {
  latencyMs: number;
  /** D1 round trips since the isolate started. */
  d1: number;
  /** Calls into a tenant's writer since the isolate started (counted by the bench entry's writer). */
  rpc: number;
}

// Module state: locally a Worker and its Durable Objects run in one isolate, so both see one model.
export const model: ModelState = { latencyMs: 0, d1: 0, rpc: 0 };

async function roundTrip<T>(call: () => Promise<T>): Promise<T> {
  model.d1++;
  if (model.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, model.latencyMs));
  return call();
}

/** A prepared statement whose calls to the database are round trips of the model. */
class ModelledStatement {
  constructor(readonly real: D1PreparedStatement) {}

  bind(...values: unknown[]) {
    return new ModelledStatement(this.real.bind(...values));
  }

  run() {
    return roundTrip(() => this.real.run());
  }

  all() {
    return roundTrip(() => this.real.all());
  }

  first(column?: string) {
    return roundTrip(() => (column === undefined ? this.real.first() : this.real.first(column)));
  }

  raw(options?: { columnNames?: boolean }) {
    return roundTrip(() => (options?.columnNames ? this.real.raw({ columnNames: true }) : this.real.raw()));
  }
}

// The real batch takes only the binding's own statements.
const unwrap = (statement: D1PreparedStatement) =>
  statement instanceof ModelledStatement ? statement.real : (statement as D1PreparedStatement);

const modelledDatabases = new WeakMap<D1Database, D1Database>();

/**
 * `db` as the model: one wrapper per binding object, since the code under test keeps per-binding
 * state (one drizzle instance and its prepared statements per binding, db/client.ts).
 */
export function modelled(db: D1Database): D1Database {
  let wrapped = modelledDatabases.get(db);
  if (wrapped === undefined) {
    const database = {
      prepare: (sql: string) => new ModelledStatement(db.prepare(sql)),
      batch: (statements: D1PreparedStatement[]) => roundTrip(() => db.batch(statements.map(unwrap))),
      exec: (sql: string) => roundTrip(() => db.exec(sql)),
    };
    wrapped = database as unknown as D1Database;
    modelledDatabases.set(db, wrapped);
  }
  return wrapped;
}

const modelledEnvs = new WeakMap<object, object>();

/** `env` with its DB binding modelled (the same object for the same env, for the same reason). */
export function modelledEnv<E extends { DB: D1Database }>(env: E): E {
  let wrapped = modelledEnvs.get(env) as E | undefined;
  if (wrapped === undefined) {
    wrapped = { ...env, DB: modelled(env.DB) };
    modelledEnvs.set(env, wrapped);
  }
  return wrapped;
}

const json = (body: unknown) => new Response(JSON.stringify(body), { headers: { "Content-Type": "application/json" } });

type Fetch<E> = (request: Request, env: E, ctx: ExecutionContext) => Response | Promise<Response>;

/**
 * A Worker's fetch handler served on the model, with the model's routes:
 * `GET /__bench/model` answers the state, `POST /__bench/model?latency=<ms>` sets the latency, and
 * `more` adds routes of the entry's own under /__bench/.
 */
export function modelledFetch<E extends { DB: D1Database }>(
  fetch: Fetch<E>,
  more: Record<string, (url: URL, env: E) => Promise<Response>> = {},
): Fetch<E> {
  return (request, env, ctx) => {
    if (!request.url.includes("/__bench/")) return fetch(request, modelledEnv(env), ctx);
    const url = new URL(request.url);
    const route = more[url.pathname];
    if (route) return route(url, env);
    if (url.pathname !== "/__bench/model") return new Response("no such bench route", { status: 404 });
    const latency = url.searchParams.get("latency");
    if (request.method === "POST" && latency !== null) model.latencyMs = Number(latency);
    return json(model);
  };
}
