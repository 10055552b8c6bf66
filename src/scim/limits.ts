// Bounds on what one request may ask for. /ServiceProviderConfig advertises them: the standard
// ones in their RFC 7643 §5 places, the rest in LIMITS_SCHEMA (scim/discovery.ts).
export const MAX_PAYLOAD_BYTES = 1_048_576;
export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 200;
export const MAX_FILTER_LENGTH = 4096;
export const MAX_FILTER_DEPTH = 32;
/** D1's bound on parameters per statement, which a filter's comparisons spend (db/budget.ts). */
export const MAX_BOUND_PARAMETERS = 100;
/** Parenthesis depth of a statement's SQL: D1 evaluates expressions at most 100 levels deep (db/budget.ts). */
export const MAX_SQL_NESTING = 80;
/** Bounds the work one PATCH asks of the tenant's single writer. */
export const MAX_PATCH_OPERATIONS = 1000;
/** Members one request may add, remove or set; larger changes go in several PATCHes, as Entra sends them. */
export const MAX_MEMBERS_PER_REQUEST = 1000;
export const MAX_BULK_OPERATIONS = 1000;
