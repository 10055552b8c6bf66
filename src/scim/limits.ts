// Bounds on what one request may ask for; /ServiceProviderConfig advertises them.
export const MAX_PAYLOAD_BYTES = 1_048_576;
export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 200;
