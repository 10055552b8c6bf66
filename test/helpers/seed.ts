import { env } from "cloudflare:test";

/**
 * Seeds `count` users and makes them members of `groupId` with SQL alone (a recursive CTE), so
 * large-group tests don't spend minutes in HTTP. Ids are "<prefix>-<n>".
 */
export async function seedMembers(tenant: string, groupId: string, count: number, prefix = "seed") {
  const now = new Date().toISOString();
  await env.DB.batch([
    env.DB.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
       INSERT INTO users (tenant_id, id, user_name, data, created, last_modified, version)
       SELECT ?, ? || '-' || i, ? || '-' || i || '@seed.test',
              json_object('userName', ? || '-' || i || '@seed.test'), ?, ?, 1 FROM n`,
    ).bind(count, tenant, prefix, prefix, prefix, now, now),
    env.DB.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
       INSERT INTO group_members (tenant_id, group_id, member_id, member_type)
       SELECT ?, ?, ? || '-' || i, 'User' FROM n`,
    ).bind(count, tenant, groupId, prefix),
  ]);
}

export async function memberCount(tenant: string, groupId: string): Promise<number> {
  const row = await env.DB.prepare("SELECT count(*) AS n FROM group_members WHERE tenant_id = ? AND group_id = ?")
    .bind(tenant, groupId)
    .first<{ n: number }>();
  return row?.n ?? 0;
}
