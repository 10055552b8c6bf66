// `npm run dev`'s first step (package.json "dev"), run from the project root, where wrangler dev reads .dev.vars.

import { ensureDevVars } from "./dev-vars.ts";

const message = await ensureDevVars(".dev.vars");
if (message) process.stderr.write(`${message}\n`);
