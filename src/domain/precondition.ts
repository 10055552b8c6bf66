import { ScimError } from "../scim/errors.ts";
import type { StoredResource } from "../scim/serialize.ts";

/**
 * RFC 7644 §3.14 / RFC 7232: whether an If-Match or If-None-Match header names this version. Our
 * ETags are weak (W/"n"); the tag inside is compared, and "*" matches any existing resource.
 */
export function etagMatches(header: string, version: number): boolean {
  return header.split(",").some((tag) => {
    const t = tag.trim();
    return t === "*" || t.replace(/^W\//, "") === `"${version}"`;
  });
}

/** A write with If-Match on a changed resource fails with 412 and changes nothing. */
export function checkIfMatch(current: StoredResource, ifMatch: string | undefined): void {
  if (ifMatch !== undefined && !etagMatches(ifMatch, current.version)) {
    throw new ScimError(412, `version mismatch: the resource is at W/"${current.version}"`);
  }
}
