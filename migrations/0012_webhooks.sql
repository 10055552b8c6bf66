CREATE TABLE `webhook_deliveries` (
	`tenant_id` text NOT NULL,
	`endpoint_id` text NOT NULL,
	`attempt` integer NOT NULL,
	`seq` integer NOT NULL,
	`event_id` text,
	`time` text NOT NULL,
	`status_code` integer,
	`duration_ms` integer NOT NULL,
	`error` text,
	`response_body` text,
	PRIMARY KEY(`tenant_id`, `endpoint_id`, `attempt`)
);
--> statement-breakpoint
CREATE INDEX `webhook_deliveries_endpoint_time` ON `webhook_deliveries` (`tenant_id`,`endpoint_id`,`time`);--> statement-breakpoint
CREATE TABLE `webhook_endpoints` (
	`tenant_id` text NOT NULL,
	`id` text NOT NULL,
	`url` text NOT NULL,
	`types` text,
	`secret` text NOT NULL,
	`previous_secret` text,
	`previous_until` text,
	`status` text NOT NULL,
	`position` integer NOT NULL,
	`attempts` integer NOT NULL,
	`next_attempt_at` text,
	`created_at` text NOT NULL,
	PRIMARY KEY(`tenant_id`, `id`)
);
