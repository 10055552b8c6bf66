CREATE TABLE `request_log` (
	`tenant_id` text NOT NULL,
	`id` text NOT NULL,
	`time` text NOT NULL,
	`method` text NOT NULL,
	`path` text NOT NULL,
	`status` integer NOT NULL,
	`duration_ms` integer NOT NULL,
	`scim_type` text,
	`detail` text,
	`resource_id` text,
	`credential_kind` text NOT NULL,
	`credential_id` text,
	`correlation_id` text,
	`request_body` text,
	`response_body` text,
	PRIMARY KEY(`tenant_id`, `id`)
);
--> statement-breakpoint
CREATE INDEX `request_log_tenant_status` ON `request_log` (`tenant_id`,`status`,`id`);--> statement-breakpoint
ALTER TABLE `tenant_settings` ADD `request_log_retention_days` integer;--> statement-breakpoint
ALTER TABLE `tenant_settings` ADD `capture_bodies_until` text;