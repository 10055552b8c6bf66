// `npm run dev` first makes sure `.dev.vars` (wrangler dev's local secrets, git-ignored) holds an
// ACCESS_TOKEN_SECRET, so OAuth works on a fresh clone with no manual step. A secret already there is
// never replaced: rotating it would end every access token issued locally.

import { randomBytes } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";

export const SECRET_NAME = "ACCESS_TOKEN_SECRET";
// src/oauth/access-token.ts refuses shorter keys.
const MIN_SECRET_LENGTH = 32;

const assignment = new RegExp(`^\\s*(?:export\\s+)?${SECRET_NAME}\\s*=\\s*(.*?)\\s*$`);

const unquoted = (value: string) => value.replace(/^(["'])(.*)\1$/, "$2");

export type DevVarsChange = { kind: "created" | "added"; text: string } | { kind: "kept" } | { kind: "short"; length: number };

/** What `.dev.vars` should become, given its text (undefined: no file) and a fresh secret. */
export function withAccessTokenSecret(text: string | undefined, secret: string): DevVarsChange {
  const line = `${SECRET_NAME}=${secret}\n`;
  if (text === undefined) return { kind: "created", text: line };
  const lines = text.split("\n");
  const values = lines.flatMap((l) => {
    const match = assignment.exec(l);
    return match ? [unquoted(match[1] ?? "")] : [];
  });
  // As in dotenv, the last assignment wins.
  const value = values.at(-1);
  if (value !== undefined && value.length >= MIN_SECRET_LENGTH) return { kind: "kept" };
  if (value) return { kind: "short", length: value.length };
  // Missing or empty: an empty assignment goes, so the file says one thing.
  const rest = lines.filter((l) => !assignment.test(l)).join("\n");
  return { kind: "added", text: `${rest}${rest === "" || rest.endsWith("\n") ? "" : "\n"}${line}` };
}

/** Ensures `path` holds a usable secret; returns what to tell the user, or nothing when all was well. */
export async function ensureDevVars(path: string, secret = randomBytes(32).toString("hex")): Promise<string | undefined> {
  let text: string | undefined;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const change = withAccessTokenSecret(text, secret);
  switch (change.kind) {
    case "kept":
      return undefined;
    case "short":
      return `${path}: ${SECRET_NAME} has ${change.length} characters; the token endpoint answers server_error until it has ${MIN_SECRET_LENGTH} or more (delete the line to get a random one)`;
    case "created":
    case "added":
      await writeFile(path, change.text, { mode: 0o600 });
      return `${change.kind === "created" ? "Created" : "Added to"} ${path}: a random ${SECRET_NAME} (signs OAuth access tokens locally; git-ignored)`;
  }
}
