CREATE TABLE `admin_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`key_hash` text NOT NULL,
	`scope` text NOT NULL,
	`created_at` text NOT NULL,
	`revoked_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `admin_keys_key_hash` ON `admin_keys` (`key_hash`);--> statement-breakpoint
CREATE TABLE `events` (
	`tenant_id` text NOT NULL,
	`seq` integer NOT NULL,
	`id` text NOT NULL,
	`type` text NOT NULL,
	`time` text NOT NULL,
	`resource_type` text NOT NULL,
	`resource_id` text NOT NULL,
	`data` text NOT NULL,
	`previous` text,
	`extra` text,
	PRIMARY KEY(`tenant_id`, `seq`)
);
--> statement-breakpoint
CREATE INDEX `events_tenant_time` ON `events` (`tenant_id`,`time`);--> statement-breakpoint
CREATE TABLE `tenant_event_counters` (
	`tenant_id` text PRIMARY KEY NOT NULL,
	`last_seq` integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE `tenant_settings` ADD `event_retention_days` integer;