// A consumer's local copy of one tenant, kept from the change feed by README's replay rules (Change
// feed; Admin API: consumer recipe). Shared by the feed's replay test and the admin API's
// snapshot-then-follow test, so both check the same rules.

export interface Replica {
  users: Map<string, any>;
  groups: Map<string, any>;
  /** group id -> member id -> member type */
  members: Map<string, Map<string, string>>;
}

export const emptyReplica = (): Replica => ({ users: new Map(), groups: new Map(), members: new Map() });

function forget(replica: Replica, id: string) {
  // A deleted resource's memberships go with it; the feed records no member events for them.
  for (const members of replica.members.values()) members.delete(id);
}

export function applyEvent(replica: Replica, event: { type: string; resource: { id: string }; data: any }) {
  const id = event.resource.id;
  switch (event.type) {
    case "user.created":
    case "user.updated":
      replica.users.set(id, event.data);
      break;
    case "user.deleted":
      replica.users.delete(id);
      forget(replica, id);
      break;
    case "group.created":
      replica.groups.set(id, event.data);
      replica.members.set(id, new Map());
      break;
    case "group.updated":
      replica.groups.set(id, event.data);
      break;
    case "group.deleted":
      replica.groups.delete(id);
      replica.members.delete(id);
      forget(replica, id);
      break;
    case "group.member_added":
      replica.members.get(id)?.set(event.data.member.value, event.data.member.type);
      break;
    case "group.member_removed":
      replica.members.get(id)?.delete(event.data.member.value);
      break;
    default:
      throw new Error(`unknown event type ${event.type}`);
  }
}
