import { LIST_RESPONSE, type Paging } from "./list.ts";
import type { ScimData } from "./validate.ts";

// Resource bodies written as a stream of JSON text. A group's members are read page by page from
// their rows and each page turned into text at once, so memory stays flat whatever the group's size.

export const MEMBER_SUB_ATTRIBUTES = ["value", "$ref", "display", "type"];
const MEMBER_PAGE = 5000;

export interface MemberRow {
  memberId: string;
  memberType: "User" | "Group";
  /** The member's displayName as its own row has it now. */
  display: string | null;
}

export type GroupMemberRow = MemberRow & { groupId: string };

/** Where members are read from, in member id order. */
export interface MemberSource {
  /** One page of a group's members, after the id `after` ("" for the first). */
  page(groupId: string, after: string, limit: number): Promise<MemberRow[]>;
  /** The first `limit` members of several groups together, in (group id, member id) order. */
  first(groupIds: string[], limit: number): Promise<GroupMemberRow[]>;
}

/** Members already in hand, in id order; unless `complete`, more may follow the last. */
export interface KnownMembers {
  rows: MemberRow[];
  complete: boolean;
}

const NONE_YET: KnownMembers = { rows: [], complete: false };

export interface ResourceBody {
  /** The resource as rendered and projected; a group's without members. */
  resource: ScimData;
  /** A group's member sub-attributes to return; undefined returns no members and reads none. */
  memberFields?: string[];
  /** A group's members as the write that answered with it left them: its response reads none. */
  members?: MemberRow[];
}

function memberJson(row: MemberRow, fields: string[], scimBase: string): string {
  const member: Record<string, string> = {};
  for (const field of fields) {
    if (field === "value") member.value = row.memberId;
    else if (field === "$ref") member.$ref = `${scimBase}/${row.memberType}s/${row.memberId}`;
    else if (field === "display" && row.display !== null) member.display = row.display;
    else if (field === "type") member.type = row.memberType;
  }
  return JSON.stringify(member);
}

export async function* resourceJson(
  body: ResourceBody,
  source: MemberSource,
  scimBase: string,
  known: KnownMembers = body.members ? { rows: body.members, complete: true } : NONE_YET,
): AsyncGenerator<string> {
  const { resource, memberFields } = body;
  if (!memberFields) {
    yield JSON.stringify(resource);
    return;
  }
  const { meta, ...head } = resource;
  const opening = JSON.stringify(head).slice(0, -1);
  yield `${opening}${opening.length > 1 ? "," : ""}"members":[`;
  let { rows, complete } = known;
  let after = "";
  let first = true;
  for (;;) {
    if (rows.length > 0) {
      yield (first ? "" : ",") + rows.map((row) => memberJson(row, memberFields, scimBase)).join(",");
      first = false;
      after = rows[rows.length - 1].memberId;
    }
    if (complete) break;
    rows = await source.page(String(resource.id), after, MEMBER_PAGE);
    complete = rows.length < MEMBER_PAGE;
  }
  yield `]${meta === undefined ? "" : `,"meta":${JSON.stringify(meta)}`}}`;
}

/**
 * The first members of every listed group that streams them, in one read instead of one per
 * group. Read in (group id, member id) order up to one page: the groups before the last one read
 * are complete (ids are ASCII, so JavaScript orders them as SQLite does); the last one read and
 * those after it continue page by page.
 */
export async function firstMembersOf(bodies: ResourceBody[], source: MemberSource): Promise<Map<string, KnownMembers>> {
  const known = new Map<string, KnownMembers>();
  const ids = bodies.filter((b) => b.memberFields && !b.members).map((b) => String(b.resource.id));
  if (ids.length === 0) return known;
  const rows = await source.first(ids, MEMBER_PAGE);
  const cut = rows.length < MEMBER_PAGE ? undefined : rows[rows.length - 1].groupId;
  for (const id of ids) known.set(id, { rows: [], complete: cut === undefined || id < cut });
  for (const { groupId, ...row } of rows) known.get(groupId)?.rows.push(row);
  return known;
}

export async function* listJson(
  total: number,
  paging: Paging,
  bodies: ResourceBody[],
  known: Map<string, KnownMembers>,
  source: MemberSource,
  scimBase: string,
): AsyncGenerator<string> {
  const head = { schemas: [LIST_RESPONSE], totalResults: total, startIndex: paging.startIndex, itemsPerPage: bodies.length };
  yield `${JSON.stringify(head).slice(0, -1)},"Resources":[`;
  for (const [i, body] of bodies.entries()) {
    if (i > 0) yield ",";
    yield* resourceJson(body, source, scimBase, known.get(String(body.resource.id)));
  }
  yield "]}";
}

/** Whether any body streams members: otherwise a response is one plain JSON text, cheaper than a stream. */
export const streamsMembers = (bodies: ResourceBody[]) => bodies.some((b) => b.memberFields !== undefined);
