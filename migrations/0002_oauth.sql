CREATE TABLE `oauth_client_secrets` (
	`tenant_id` text NOT NULL,
	`client_id` text NOT NULL,
	`secret_id` text NOT NULL,
	`secret_hash` text NOT NULL,
	`created_at` text NOT NULL,
	`expires_at` text NOT NULL,
	`revoked_at` text,
	PRIMARY KEY(`tenant_id`, `client_id`, `secret_id`)
);
--> statement-breakpoint
CREATE TABLE `oauth_clients` (
	`tenant_id` text NOT NULL,
	`client_id` text NOT NULL,
	`created_at` text NOT NULL,
	`revoked_at` text,
	PRIMARY KEY(`tenant_id`, `client_id`)
);
--> statement-breakpoint
CREATE TABLE `oauth_federations` (
	`tenant_id` text PRIMARY KEY NOT NULL,
	`federation_id` text NOT NULL,
	`entra_tenant_id` text NOT NULL,
	`subject` text NOT NULL,
	`audiences` text NOT NULL,
	`jwks_url` text,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `oauth_federations_entra_subject` ON `oauth_federations` (`entra_tenant_id`,`subject`);--> statement-breakpoint
CREATE TABLE `tenant_auth_settings` (
	`tenant_id` text PRIMARY KEY NOT NULL,
	`access_token_seconds` integer,
	`entra_token_tenant_id` text,
	`updated_at` text NOT NULL
);
