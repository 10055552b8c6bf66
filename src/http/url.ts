import type { Context } from "hono";
import { memoized } from "../lib/memo.ts";

// A request's URL is needed by auth (its host), by every body that carries a location (the SCIM
// base) and so on: parsed once per request, not by each of them.
const urlOf = memoized((request: Request) => new URL(request.url));

export const requestUrl = (c: Context): URL => urlOf(c.req.raw);
