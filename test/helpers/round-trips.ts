import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import worker from "../../src/index.ts";
import { settled } from "../../src/requests/record.ts";

// Counts the round trips a request costs, as deployed: every D1 call (a statement's run/all/first/raw,
// a batch, an exec) made by the Worker or by a tenant's writer, and every Durable Object RPC. D1 is
// counted on the binding's own prototypes, which the Worker and the writers share in the test isolate;
// RPC on the namespaces of the env the Worker is called with. Nothing is replaced: each call goes on
// to the real binding.

export interface RoundTrips {
  d1: number;
  rpc: number;
}

const counts: RoundTrips = { d1: 0, rpc: 0 };
// What each counted call was, so a budget that fails says which statement is new.
let calls: string[] = [];

const sqlOf = (statement: unknown) => String((statement as { statement?: string })?.statement ?? statement).slice(0, 120);

function countMethods(proto: Record<string, unknown>, names: string[]) {
  for (const name of names) {
    const original = proto[name] as (...args: unknown[]) => unknown;
    if ((original as { counted?: boolean }).counted) continue;
    const counted = function (this: unknown, ...args: unknown[]) {
      counts.d1++;
      const statements = name === "batch" ? (args[0] as unknown[]) : name === "exec" ? [args[0]] : [this];
      calls.push(`${name}: ${statements.map(sqlOf).join(" | ")}`);
      return original.apply(this, args);
    };
    proto[name] = Object.assign(counted, { counted: true });
  }
}

countMethods(Object.getPrototypeOf(env.DB), ["batch", "exec"]);
countMethods(Object.getPrototypeOf(env.DB.prepare("SELECT 1")), ["run", "all", "first", "raw"]);

function countedNamespace(namespace: DurableObjectNamespace): DurableObjectNamespace {
  return new Proxy(namespace, {
    get(target, key) {
      const value = Reflect.get(target, key, target);
      if (key !== "get") return typeof value === "function" ? value.bind(target) : value;
      return (...args: Parameters<DurableObjectNamespace["get"]>) => {
        const stub = target.get(...args);
        return new Proxy(stub, {
          get(s, method) {
            const member = Reflect.get(s, method, s);
            if (typeof member !== "function" || method === "fetch") return member;
            return (...callArgs: unknown[]) => {
              counts.rpc++;
              calls.push(`rpc: ${String(method)}`);
              return Reflect.apply(member, s, callArgs);
            };
          },
        });
      };
    },
  });
}

// Steady state: an isolate trusts what it read of tokens and tenant configuration for 30 s, as the
// deployed vars say (the test config sets both to 0 so other tests see changes at once). The
// provisioning log is off here: its own rows are budgeted apart (round-trips.test.ts, README), so a
// request's budget says what the request itself costs.
const steadyEnv = {
  ...env,
  REQUEST_LOG: "off",
  TOKEN_CACHE_SECONDS: "30",
  CONFIG_CACHE_SECONDS: "30",
  WRITER: countedNamespace(env.WRITER),
  RATE_LIMITER: countedNamespace(env.RATE_LIMITER),
};

/** Serves one request through the Worker with steady-state caches, the body read to its end; `log` records it in the provisioning log. */
export async function serve(request: Request, options: { log?: boolean } = {}): Promise<{ response: Response; body: string }> {
  const ctx = createExecutionContext();
  const response = await worker.fetch(request, options.log ? { ...steadyEnv, REQUEST_LOG: "on" } : steadyEnv, ctx);
  const body = await response.text();
  await waitOnExecutionContext(ctx);
  return { response, body };
}

/** The round trips `work` made, and what each was (D1 calls with their SQL, RPC with its method). */
export async function roundTripsOf(work: () => Promise<unknown>): Promise<{ trips: RoundTrips; calls: string[] }> {
  // Rows other requests left in the provisioning log's buffer are written on their own clock.
  await settled();
  counts.d1 = 0;
  counts.rpc = 0;
  calls = [];
  await work();
  return { trips: { d1: counts.d1, rpc: counts.rpc }, calls };
}
