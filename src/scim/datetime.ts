// RFC 7643 §2.3.5: a dateTime is an xsd:dateTime. Every dateTime is stored, and every filter literal
// compared with one, in a single form: UTC with milliseconds (Date#toISOString). Text comparison in
// SQL then orders by instant, and equal instants are equal strings, however the client wrote them.

// xsd:dateTime with a four-digit year (the canonical form sorts as text only for years 0000-9999);
// a bare xsd:date stands for midnight UTC, as filters such as `meta.created gt "2020-01-01"` mean it.
const XSD_DATE_TIME = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}:\d{2}(?:\.\d+)?(Z|[+-]\d{2}:\d{2})?)?$/i;

/** The canonical form of an xsd:dateTime, or undefined when `value` is not one. Sub-millisecond digits are dropped. */
export function canonicalDateTime(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  const match = XSD_DATE_TIME.exec(value);
  if (!match) return undefined;
  // A time without an offset is UTC here: JavaScript would read it as the runtime's local time.
  const timed = value.length > 10 && match[1] === undefined;
  const time = Date.parse(`${value.toUpperCase()}${timed ? "Z" : ""}`);
  return Number.isNaN(time) ? undefined : new Date(time).toISOString();
}
