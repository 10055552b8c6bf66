-- Custom migration (drizzle-kit generate --custom): drizzle-kit does not model triggers.
-- user_emails is an index of users.data's emails, kept by SQLite itself: every write of a user is
-- then one statement, and no writer (the service, a seed, an operator's SQL) can leave the two apart.
-- A drizzle-kit rebuild of the users table drops these triggers: re-create them in that migration.
CREATE TRIGGER `user_emails_after_insert` AFTER INSERT ON `users`
BEGIN
  INSERT INTO `user_emails` (`tenant_id`, `user_id`, `position`, `value`, `type`, `is_primary`)
  SELECT NEW.`tenant_id`, NEW.`id`, e.key, json_extract(e.value, '$.value'), json_extract(e.value, '$.type'), json_extract(e.value, '$.primary')
  FROM json_each(NEW.`data`, '$.emails') AS e;
END;
--> statement-breakpoint
CREATE TRIGGER `user_emails_after_update` AFTER UPDATE OF `data` ON `users`
WHEN json_extract(OLD.`data`, '$.emails') IS NOT json_extract(NEW.`data`, '$.emails')
BEGIN
  DELETE FROM `user_emails` WHERE `tenant_id` = OLD.`tenant_id` AND `user_id` = OLD.`id`;
  INSERT INTO `user_emails` (`tenant_id`, `user_id`, `position`, `value`, `type`, `is_primary`)
  SELECT NEW.`tenant_id`, NEW.`id`, e.key, json_extract(e.value, '$.value'), json_extract(e.value, '$.type'), json_extract(e.value, '$.primary')
  FROM json_each(NEW.`data`, '$.emails') AS e;
END;
--> statement-breakpoint
CREATE TRIGGER `user_emails_after_delete` AFTER DELETE ON `users`
BEGIN
  DELETE FROM `user_emails` WHERE `tenant_id` = OLD.`tenant_id` AND `user_id` = OLD.`id`;
END;
