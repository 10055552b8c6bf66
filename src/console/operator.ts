import type { Env, Variables } from "../env.ts";
import type { Chrome } from "./views/layout.tsx";

/** Who is signed in to the console, and which tenants they may see. */
export interface Operator {
  /** For the action log: the admin key's id or the Access identity's email. */
  name: string;
  /** A tenant's id, or ALL_TENANTS. */
  scope: string;
  /** What the CSRF token is bound to. */
  sessionId: string;
  via: "access" | "admin_key";
}

export type ConsoleEnv = { Bindings: Env; Variables: Variables & { operator: Operator; chrome: Chrome } };
