import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import worker from "../../src/index.ts";

const RUNS = new Set(["all", "run", "first", "raw"]);

/**
 * A D1 binding that counts its round trips to the real one: each statement run and each batch is
 * one. Nothing is stubbed: every query still runs on the test's D1.
 */
export function countingD1(db: D1Database = env.DB) {
  const counter = { trips: 0 };
  const originals = new WeakMap<object, D1PreparedStatement>();
  const statement = (real: D1PreparedStatement): D1PreparedStatement => {
    const proxy = new Proxy(real, {
      get(target, key) {
        const value = Reflect.get(target, key);
        if (typeof value !== "function") return value;
        if (key === "bind") return (...args: unknown[]) => statement(value.apply(target, args));
        if (RUNS.has(String(key))) {
          return (...args: unknown[]) => {
            counter.trips++;
            return value.apply(target, args);
          };
        }
        return value.bind(target);
      },
    });
    originals.set(proxy, real);
    return proxy;
  };
  const counted = new Proxy(db, {
    get(target, key) {
      const value = Reflect.get(target, key);
      if (key === "prepare") return (query: string) => statement(target.prepare(query));
      if (key === "batch") {
        return (statements: D1PreparedStatement[]) => {
          counter.trips++;
          return target.batch(statements.map((s) => originals.get(s) ?? s));
        };
      }
      if (key === "exec") {
        return (query: string) => {
          counter.trips++;
          return target.exec(query);
        };
      }
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { db: counted, counter };
}

/**
 * Serves one request with the Worker's own code and bindings, D1 counted: the round trips the
 * Worker makes for it (the tenant's writer has its own binding, so its share is not in the count).
 */
export async function workerRoundTrips(request: Request): Promise<{ response: Response; body: string; trips: number }> {
  const { db, counter } = countingD1();
  const ctx = createExecutionContext();
  const response = await worker.fetch(request, { ...env, DB: db }, ctx);
  const body = await response.text();
  await waitOnExecutionContext(ctx);
  return { response, body, trips: counter.trips };
}
