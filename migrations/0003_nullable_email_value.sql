PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_user_emails` (
	`tenant_id` text NOT NULL,
	`user_id` text NOT NULL,
	`position` integer NOT NULL,
	`value` text,
	`type` text,
	`is_primary` integer,
	PRIMARY KEY(`tenant_id`, `user_id`, `position`)
);
--> statement-breakpoint
INSERT INTO `__new_user_emails`("tenant_id", "user_id", "position", "value", "type", "is_primary") SELECT "tenant_id", "user_id", "position", "value", "type", "is_primary" FROM `user_emails`;--> statement-breakpoint
DROP TABLE `user_emails`;--> statement-breakpoint
ALTER TABLE `__new_user_emails` RENAME TO `user_emails`;--> statement-breakpoint
PRAGMA foreign_keys=ON;