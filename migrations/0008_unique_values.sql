CREATE TABLE `unique_values` (
	`tenant_id` text NOT NULL,
	`resource_type` text NOT NULL,
	`attribute` text NOT NULL,
	`value` text NOT NULL,
	`resource_id` text NOT NULL,
	PRIMARY KEY(`tenant_id`, `resource_type`, `attribute`, `value`)
);
--> statement-breakpoint
CREATE INDEX `unique_values_tenant_resource` ON `unique_values` (`tenant_id`,`resource_type`,`resource_id`);