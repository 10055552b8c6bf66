CREATE TABLE `tenants` (
	`id` text PRIMARY KEY NOT NULL,
	`token_hash` text,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `user_emails` (
	`tenant_id` text NOT NULL,
	`user_id` text NOT NULL,
	`position` integer NOT NULL,
	`value` text NOT NULL,
	`type` text,
	`is_primary` integer,
	PRIMARY KEY(`tenant_id`, `user_id`, `position`)
);
--> statement-breakpoint
CREATE INDEX `user_emails_tenant_value` ON `user_emails` (`tenant_id`,lower("value"));--> statement-breakpoint
CREATE TABLE `users` (
	`tenant_id` text NOT NULL,
	`id` text NOT NULL,
	`user_name` text NOT NULL,
	`external_id` text,
	`display_name` text,
	`active` integer,
	`data` text NOT NULL,
	`password_hash` text,
	`created` text NOT NULL,
	`last_modified` text NOT NULL,
	`version` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `id`)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `users_tenant_user_name` ON `users` (`tenant_id`,lower("user_name"));--> statement-breakpoint
CREATE INDEX `users_tenant_external_id` ON `users` (`tenant_id`,`external_id`);--> statement-breakpoint
CREATE INDEX `users_tenant_display_name` ON `users` (`tenant_id`,lower("display_name"));