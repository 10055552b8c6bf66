CREATE TABLE `tenant_schemas` (
	`tenant_id` text NOT NULL,
	`urn` text NOT NULL,
	`resource_type` text NOT NULL,
	`required` integer NOT NULL,
	`attributes` text NOT NULL,
	`created_at` text NOT NULL,
	PRIMARY KEY(`tenant_id`, `urn`)
);
--> statement-breakpoint
CREATE TABLE `tenant_settings` (
	`tenant_id` text PRIMARY KEY NOT NULL,
	`allowed_domains` text NOT NULL,
	`delete_mode` text NOT NULL,
	`groups_enabled` integer NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
ALTER TABLE `users` ADD `deleted_at` text;