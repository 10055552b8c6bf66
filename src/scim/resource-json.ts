import { LIST_RESPONSE, type Paging } from "./list.ts";
import type { ScimData } from "./validate.ts";

// Resource bodies written as a stream of JSON text. A group's members are read page by page from
// their rows and each page turned into text at once, so memory stays flat whatever the group's size.

export const MEMBER_SUB_ATTRIBUTES = ["value", "$ref", "type"];
const MEMBER_PAGE = 5000;

export interface MemberRow {
  memberId: string;
  memberType: "User" | "Group";
}

/** Reads one page of a group's members in id order, after the id `after` ("" for the first). */
export type MemberPages = (groupId: string, after: string, limit: number) => Promise<MemberRow[]>;

export interface ResourceBody {
  /** The resource as rendered and projected; a group's without members. */
  resource: ScimData;
  /** A group's member sub-attributes to return; undefined returns no members and reads none. */
  memberFields?: string[];
}

function memberJson(row: MemberRow, fields: string[], scimBase: string): string {
  const member: Record<string, string> = {};
  for (const field of fields) {
    if (field === "value") member.value = row.memberId;
    else if (field === "$ref") member.$ref = `${scimBase}/${row.memberType}s/${row.memberId}`;
    else if (field === "type") member.type = row.memberType;
  }
  return JSON.stringify(member);
}

export async function* resourceJson(body: ResourceBody, pages: MemberPages, scimBase: string): AsyncGenerator<string> {
  const { resource, memberFields } = body;
  if (!memberFields) {
    yield JSON.stringify(resource);
    return;
  }
  const { meta, ...head } = resource;
  const opening = JSON.stringify(head).slice(0, -1);
  yield `${opening}${opening.length > 1 ? "," : ""}"members":[`;
  let after = "";
  let first = true;
  for (;;) {
    const rows = await pages(String(resource.id), after, MEMBER_PAGE);
    if (rows.length > 0) {
      yield (first ? "" : ",") + rows.map((row) => memberJson(row, memberFields, scimBase)).join(",");
      first = false;
      after = rows[rows.length - 1].memberId;
    }
    if (rows.length < MEMBER_PAGE) break;
  }
  yield `]${meta === undefined ? "" : `,"meta":${JSON.stringify(meta)}`}}`;
}

export async function* listJson(
  total: number,
  paging: Paging,
  bodies: ResourceBody[],
  pages: MemberPages,
  scimBase: string,
): AsyncGenerator<string> {
  const head = { schemas: [LIST_RESPONSE], totalResults: total, startIndex: paging.startIndex, itemsPerPage: bodies.length };
  yield `${JSON.stringify(head).slice(0, -1)},"Resources":[`;
  for (const [i, body] of bodies.entries()) {
    if (i > 0) yield ",";
    yield* resourceJson(body, pages, scimBase);
  }
  yield "]}";
}

/** Whether any body streams members: otherwise a response is one plain JSON text, cheaper than a stream. */
export const streamsMembers = (bodies: ResourceBody[]) => bodies.some((b) => b.memberFields !== undefined);
