-- Custom migration (drizzle-kit generate --custom): drizzle-kit does not model triggers.
-- 0011's triggers, which also record the request's provisioning-log row when pending_event carries
-- one ("log": requests/record.ts pendingLog). A user write's row then exists exactly when the write
-- commits, in the write's one statement: no D1 call and no storage commit of the writer's own, and
-- an isolate dying before the Worker's flush loses nothing (README: Provisioning log). INSERT OR
-- IGNORE, as the Worker's flush: a row under the same id already there (the Worker's) stays. The
-- event never carries the log: its data is the row's data (or pending_event's "data"), and previous
-- and extra are members of their own.
-- A drizzle-kit rebuild of the users table drops these triggers: re-create them in that migration.
DROP TRIGGER `users_event_after_insert`;
--> statement-breakpoint
DROP TRIGGER `users_event_after_update`;
--> statement-breakpoint
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
  INSERT OR IGNORE INTO `request_log` (`tenant_id`, `id`, `time`, `method`, `path`, `status`, `duration_ms`, `resource_id`,
    `credential_kind`, `credential_id`, `correlation_id`)
  SELECT NEW.`tenant_id`, l ->> '$.id', l ->> '$.time', l ->> '$.method', l ->> '$.path', l ->> '$.status', l ->> '$.durationMs',
    NEW.`id`, l ->> '$.credentialKind', l ->> '$.credentialId', l ->> '$.correlationId'
  FROM (SELECT NEW.`pending_event` -> '$.log' AS l) WHERE l IS NOT NULL;
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
  INSERT OR IGNORE INTO `request_log` (`tenant_id`, `id`, `time`, `method`, `path`, `status`, `duration_ms`, `resource_id`,
    `credential_kind`, `credential_id`, `correlation_id`)
  SELECT NEW.`tenant_id`, l ->> '$.id', l ->> '$.time', l ->> '$.method', l ->> '$.path', l ->> '$.status', l ->> '$.durationMs',
    NEW.`id`, l ->> '$.credentialKind', l ->> '$.credentialId', l ->> '$.correlationId'
  FROM (SELECT NEW.`pending_event` -> '$.log' AS l) WHERE l IS NOT NULL;
END;
