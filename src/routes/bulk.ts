import { Hono } from "hono";
import type { AppEnv } from "../env.ts";
import { readJson } from "../http/body.ts";
import { scimBase, scimJson } from "../http/respond.ts";
import { BULK_RESPONSE, type BulkOperation, executeBulk, parseBulkRequest } from "../scim/bulk.ts";
import { badRequest, errorBody, notFound } from "../scim/errors.ts";
import { etagOf } from "../scim/serialize.ts";
import { type ResourceStore, writesOf } from "./resource-routes.ts";

/** POST /Bulk (RFC 7644 §3.7): each operation goes through the tenant's writer like a single request. */
export function bulkRoutes(stores: ResourceStore[]) {
  const routes = new Hono<AppEnv>();

  routes.post("/", async (c) => {
    const request = parseBulkRequest(await readJson(c));
    const base = scimBase(c);

    const apply = async (op: BulkOperation) => {
      const [endpoint, id, extra] = op.path.split("/").filter(Boolean);
      const store = stores.find((s) => s.type.endpoint.toLowerCase() === `/${endpoint?.toLowerCase()}`);
      if (!store || extra !== undefined) throw notFound(`endpoint ${op.path}`);
      if ((op.method === "POST") !== (id === undefined)) {
        throw badRequest("invalidPath", `${op.method} ${op.path}: ${op.method === "POST" ? "POST takes no id" : "an id is needed"}`);
      }
      const writes = writesOf(c, store);
      const location = (resourceId: string) => `${base}${store.type.endpoint}/${resourceId}`;
      switch (op.method) {
        case "POST": {
          const created = await writes.create(op.data);
          return { id: created.id, location: location(created.id), version: etagOf(created.version), status: 201 };
        }
        case "PUT": {
          const replaced = await writes.replace(id, op.data, op.version);
          return { location: location(id), version: etagOf(replaced.version), status: 200 };
        }
        case "PATCH": {
          const patched = await writes.patch(id, op.data, op.version);
          return { location: location(id), version: etagOf(patched.version), status: 200 };
        }
        case "DELETE":
          await writes.remove(id, op.version);
          return { location: location(id), status: 204 };
      }
    };

    const results = await executeBulk(request, apply, (error) => errorBody(error.toData()));
    return scimJson(c, { schemas: [BULK_RESPONSE], Operations: results });
  });

  return routes;
}
