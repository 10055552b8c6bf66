CREATE TABLE `group_members` (
	`tenant_id` text NOT NULL,
	`group_id` text NOT NULL,
	`member_id` text NOT NULL,
	`member_type` text NOT NULL,
	PRIMARY KEY(`tenant_id`, `group_id`, `member_id`)
);
--> statement-breakpoint
CREATE INDEX `group_members_tenant_member` ON `group_members` (`tenant_id`,`member_id`,`group_id`);--> statement-breakpoint
CREATE TABLE `groups` (
	`tenant_id` text NOT NULL,
	`id` text NOT NULL,
	`display_name` text NOT NULL,
	`external_id` text,
	`data` text NOT NULL,
	`created` text NOT NULL,
	`last_modified` text NOT NULL,
	`version` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `id`)
);
--> statement-breakpoint
CREATE INDEX `groups_tenant_display_name` ON `groups` (`tenant_id`,lower("display_name"));--> statement-breakpoint
CREATE INDEX `groups_tenant_external_id` ON `groups` (`tenant_id`,`external_id`);