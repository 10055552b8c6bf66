// Admin keys of the admin API (/admin/v1), shared by the Worker and the operator CLI. Only the
// SHA-256 of a key is stored (admin_keys.key_hash); the plaintext is shown once by the CLI.

import { generateToken } from "./crypto.ts";
import { newHexId } from "./oauth-credentials.ts";

/** A distinct prefix from Secret Tokens ("scim_"), so a leaked key is easy to grep for and to tell apart. */
export const ADMIN_KEY_PREFIX = "scimadm_";

/** 256 random bits. */
export const newAdminKey = () => generateToken(ADMIN_KEY_PREFIX);

export const ADMIN_KEY_ID = /^ak_[0-9a-f]{16}$/;
export const newAdminKeyId = () => `ak_${newHexId()}`;

/** The scope of a key that opens every tenant; any other scope is one tenant's name. */
export const ALL_TENANTS = "*";
