import { createApp } from "./app.ts";

export { TenantWriter } from "./durable/tenant-writer.ts";

export default createApp();
