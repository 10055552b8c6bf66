// KV key scheme for Secret Tokens, shared by the Worker and the operator CLI:
//   token:{sha256 hex of the token} -> TokenRecord (JSON)
// The plaintext token is shown once by the CLI and never stored.

export interface TokenRecord {
  tenant: string;
  createdAt: string;
}

export const tokenKey = (tokenHash: string) => `token:${tokenHash}`;

// RFC 1035 label: what may stand left of BASE_DOMAIN in a tenant's host name.
export const TENANT_NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
