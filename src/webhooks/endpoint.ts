// What the admin API and the operator CLI (Node 22) agree on about an endpoint: no D1 types here.

import type { webhookEndpoints } from "../db/schema.ts";
import type { EventType } from "../events/json.ts";
import { newHexId } from "../lib/oauth-credentials.ts";

export const WEBHOOK_ID = /^wh_[0-9a-f]{16}$/;
export const newWebhookId = () => `wh_${newHexId()}`;

/** Endpoints a tenant may have: each costs every delivery pass its own reads. */
export const MAX_ENDPOINTS = 10;

/** How long the secret before a rotation still signs, beside the new one. */
export const ROTATION_OVERLAP_MS = 24 * 3_600_000;

/** What adding an endpoint stores, whether the admin API or the CLI adds it. */
export interface NewEndpoint {
  id: string;
  url: string;
  types: readonly EventType[] | null;
  secret: string;
  createdAt: string;
}

type EndpointRow = typeof webhookEndpoints.$inferSelect;

/** An endpoint as listings show it: never a secret. */
export interface EndpointView {
  id: string;
  url: string;
  types: EventType[] | null;
  status: EndpointRow["status"];
  position: number;
  attempts: number;
  nextAttemptAt: string | null;
  /** Until when the secret before the last rotation still signs, if it does. */
  previousSecretUntil: string | null;
  createdAt: string;
}

/** `row`: the table's columns but the secrets (the CLI selects them under these names too). */
export const endpointView = (row: Omit<EndpointRow, "tenantId" | "secret" | "previousSecret">, now: Date): EndpointView => ({
  id: row.id,
  url: row.url,
  types: row.types === null ? null : JSON.parse(row.types),
  status: row.status,
  position: row.position,
  attempts: row.attempts,
  nextAttemptAt: row.nextAttemptAt,
  previousSecretUntil: row.previousUntil !== null && row.previousUntil > now.toISOString() ? row.previousUntil : null,
  createdAt: row.createdAt,
});
