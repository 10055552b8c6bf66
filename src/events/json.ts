import type { events } from "../db/schema.ts";

// An event's JSON, apart from how it is read: the Worker's feed and the operator CLI (Node) share
// it, and the CLI cannot type-check modules that reach the D1 binding's types.

export type EventType =
  | "user.created"
  | "user.updated"
  | "user.deleted"
  | "group.created"
  | "group.updated"
  | "group.deleted"
  | "group.member_added"
  | "group.member_removed";

export const EVENT_TYPES: readonly EventType[] = [
  "user.created",
  "user.updated",
  "user.deleted",
  "group.created",
  "group.updated",
  "group.deleted",
  "group.member_added",
  "group.member_removed",
];

/** One event as served: the type's own flags ("soft", "restored") sit at the top level. */
export interface FeedEvent {
  seq: number;
  id: string;
  type: EventType;
  time: string;
  tenant: string;
  resource: { type: "User" | "Group"; id: string };
  data: Record<string, unknown>;
  previous?: Record<string, unknown>;
  [flag: string]: unknown;
}

type EventRow = typeof events.$inferSelect;

/** The one place an event row becomes the event's JSON. */
export function toEvent(row: EventRow): FeedEvent {
  return {
    seq: row.seq,
    id: row.id,
    type: row.type as EventType,
    time: row.time,
    tenant: row.tenantId,
    resource: { type: row.resourceType, id: row.resourceId },
    data: JSON.parse(row.data),
    ...(row.previous === null ? {} : { previous: JSON.parse(row.previous) }),
    ...(row.extra === null ? {} : JSON.parse(row.extra)),
  };
}
