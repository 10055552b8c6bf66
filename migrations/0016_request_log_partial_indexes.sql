DROP INDEX `request_log_tenant_status`;--> statement-breakpoint
DROP INDEX `request_log_tenant_resource`;--> statement-breakpoint
CREATE INDEX `request_log_tenant_status` ON `request_log` (`tenant_id`,`status`,`id`) WHERE "request_log"."status" >= 400;--> statement-breakpoint
CREATE INDEX `request_log_tenant_resource` ON `request_log` (`tenant_id`,`resource_id`,`id`) WHERE "request_log"."resource_id" IS NOT NULL;