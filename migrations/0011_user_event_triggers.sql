-- Custom migration (drizzle-kit generate --custom): drizzle-kit does not model triggers.
-- A service write of a user (create, replace, PATCH, restore) records its event from the row it
-- writes: the statement sets pending_event (events/record.ts pendingUserEvent: type, previous,
-- extra, schemas, and the data when some stored attribute is hidden from events) and these
-- triggers insert the event and store the tenant's last seq. The write stays one statement: a
-- statement of its own in D1's batch cost more CPU than the event itself (README: Change feed).
-- seq and id as in events/record.ts: one past the tenant's highest (counter or event), so the
-- (tenant_id, seq) key fails the statement of a second writer rather than forking the feed.
-- Only writes that set pending_event fire them: a seed's INSERT or a soft delete's UPDATE does not.
-- A drizzle-kit rebuild of the users table drops these triggers: re-create them in that migration.
CREATE TRIGGER `users_event_after_insert` AFTER INSERT ON `users`
WHEN NEW.`pending_event` IS NOT NULL
BEGIN
  INSERT INTO `events` (`tenant_id`, `seq`, `id`, `type`, `time`, `resource_type`, `resource_id`, `data`, `previous`, `extra`)
  SELECT NEW.`tenant_id`,
    max(
      coalesce((SELECT `last_seq` FROM `tenant_event_counters` WHERE `tenant_id` = NEW.`tenant_id`), 0),
      coalesce((SELECT max(`seq`) FROM `events` WHERE `tenant_id` = NEW.`tenant_id`), 0)) + 1,
    lower(hex(randomblob(16))), NEW.`pending_event` ->> '$.type', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 'User', NEW.`id`,
    json_set(coalesce(NEW.`pending_event` -> '$.data', NEW.`data`), '$.schemas', json(NEW.`pending_event` -> '$.schemas'), '$.id', NEW.`id`,
      '$.meta', json_object('resourceType', 'User', 'created', NEW.`created`, 'lastModified', NEW.`last_modified`, 'version', 'W/"' || NEW.`version` || '"')),
    NEW.`pending_event` -> '$.previous', NEW.`pending_event` -> '$.extra';
  INSERT INTO `tenant_event_counters` (`tenant_id`, `last_seq`)
  VALUES (NEW.`tenant_id`, (SELECT max(`seq`) FROM `events` WHERE `tenant_id` = NEW.`tenant_id`))
  ON CONFLICT (`tenant_id`) DO UPDATE SET `last_seq` = excluded.`last_seq`;
END;
--> statement-breakpoint
CREATE TRIGGER `users_event_after_update` AFTER UPDATE OF `pending_event` ON `users`
WHEN NEW.`pending_event` IS NOT NULL
BEGIN
  INSERT INTO `events` (`tenant_id`, `seq`, `id`, `type`, `time`, `resource_type`, `resource_id`, `data`, `previous`, `extra`)
  SELECT NEW.`tenant_id`,
    max(
      coalesce((SELECT `last_seq` FROM `tenant_event_counters` WHERE `tenant_id` = NEW.`tenant_id`), 0),
      coalesce((SELECT max(`seq`) FROM `events` WHERE `tenant_id` = NEW.`tenant_id`), 0)) + 1,
    lower(hex(randomblob(16))), NEW.`pending_event` ->> '$.type', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 'User', NEW.`id`,
    json_set(coalesce(NEW.`pending_event` -> '$.data', NEW.`data`), '$.schemas', json(NEW.`pending_event` -> '$.schemas'), '$.id', NEW.`id`,
      '$.meta', json_object('resourceType', 'User', 'created', NEW.`created`, 'lastModified', NEW.`last_modified`, 'version', 'W/"' || NEW.`version` || '"')),
    NEW.`pending_event` -> '$.previous', NEW.`pending_event` -> '$.extra';
  INSERT INTO `tenant_event_counters` (`tenant_id`, `last_seq`)
  VALUES (NEW.`tenant_id`, (SELECT max(`seq`) FROM `events` WHERE `tenant_id` = NEW.`tenant_id`))
  ON CONFLICT (`tenant_id`) DO UPDATE SET `last_seq` = excluded.`last_seq`;
END;
