import { env } from "cloudflare:test";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { database, TENANT } from "../../src/db/client.ts";
import { users as usersTable } from "../../src/db/schema.ts";
import { insertUser, listUsers, userStorage } from "../../src/db/users.ts";
import { prepareList } from "../../src/http/query.ts";
import { canonicalDateTime } from "../../src/scim/datetime.ts";
import { parseFilter } from "../../src/scim/filter/parse.ts";
import { userResourceType } from "../../src/scim/schema/resource-type.ts";
import { matchesFilter } from "../../src/scim/patch/match.ts";
import { dateTime } from "../../src/scim/schema/attribute.ts";
import { parseResource, type ScimData } from "../../src/scim/validate.ts";
import { tenantResourceTypes } from "../../src/tenancy/resource-types.ts";

// The filter compiler checked against a reference: random users are stored the real way, random
// filters are compiled and run in D1, and the ids D1 returns must be exactly those an in-memory
// evaluation of the same filter (written here from RFC 7644 §3.4.2.2, not from the compiler) picks.

const ENT = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
// A tenant extension with a dateTime attribute: the built-in schemas have none besides meta's.
const HR = "urn:scim:test:hr:User";
const userType = tenantResourceTypes([{ urn: HR, resourceType: "User", required: false, attributes: [dateTime("hired")] }]).User;

// A small alphabet with both cases and a quote, so values collide, case rules matter and escaping is used.
const text = fc.string({ unit: fc.constantFrom("a", "A", "b", "B", '"'), maxLength: 3 });
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });

// A few instants, some a millisecond or an hour apart, each written in any xsd:dateTime form that
// names it: values collide however they are spelled, and order matters near the edges.
const INSTANTS = [
  Date.UTC(2024, 0, 1),
  Date.UTC(2024, 0, 1, 0, 0, 0, 1),
  Date.UTC(2024, 0, 1, 1),
  Date.UTC(2023, 11, 31, 23),
  Date.UTC(2026, 5, 15, 12, 30, 45, 500),
];

/** `ms` written as xsd:dateTime: canonical, without milliseconds, with an offset, without one, or as a date. */
function spell(ms: number, form: number): string {
  const iso = new Date(ms).toISOString();
  switch (form) {
    case 0:
      return iso;
    case 1:
      return ms % 1000 === 0 ? iso.replace(".000Z", "Z") : iso;
    case 2: {
      const shifted = new Date(ms + 90 * 60_000).toISOString().slice(0, -1);
      return `${shifted}+01:30`;
    }
    case 3:
      return iso.slice(0, -1);
    default:
      return ms % 86_400_000 === 0 ? iso.slice(0, 10) : iso.toLowerCase();
  }
}
const form = fc.nat(4);

const userArb = fc.record({
  displayName: maybe(text),
  nickName: maybe(text),
  title: maybe(text),
  externalId: maybe(text),
  active: maybe(fc.boolean()),
  name: maybe(fc.record({ givenName: maybe(text), familyName: maybe(text) })),
  emails: maybe(
    fc.array(fc.record({ value: maybe(text), type: maybe(fc.constantFrom("work", "home", "Work")), primary: maybe(fc.boolean()) }), {
      maxLength: 3,
    }),
  ),
  department: maybe(text),
  hired: maybe(fc.nat(INSTANTS.length - 1)),
  hiredForm: form,
  created: fc.nat(INSTANTS.length - 1),
});

/** A generated filter: its text and the reference predicate over canonical user data. */
interface Gen {
  text: string;
  /** `created`: the user's meta.created. */
  test(user: ScimData, created: string): boolean;
}

type Getter = (user: ScimData) => unknown;
const quote = (v: string) => JSON.stringify(v);

// The string attributes a filter may name: path as written, how to read it, whether caseExact.
const stringAttributes: [string, Getter, boolean][] = [
  ["userName", (u) => u.userName, false],
  ["displayName", (u) => u.displayName, false],
  ["NICKNAME", (u) => u.nickName, false],
  ["title", (u) => u.title, false],
  ["externalId", (u) => u.externalId, true],
  ["name.givenName", (u) => (u.name as ScimData | undefined)?.givenName, false],
  ["name.familyName", (u) => (u.name as ScimData | undefined)?.familyName, false],
  [`${ENT}:department`, (u) => (u[ENT] as ScimData | undefined)?.department, false],
];

type Op = "eq" | "ne" | "co" | "sw" | "ew" | "gt" | "ge" | "lt" | "le";
function compare(op: Op, actual: unknown, value: string, caseExact: boolean): boolean {
  if (typeof actual !== "string") return op === "ne";
  const a = caseExact ? actual : actual.toLowerCase();
  const v = caseExact ? value : value.toLowerCase();
  switch (op) {
    case "eq":
      return a === v;
    case "ne":
      return a !== v;
    case "co":
      return a.includes(v);
    case "sw":
      return a.startsWith(v);
    case "ew":
      return a.endsWith(v);
    case "gt":
      return a > v;
    case "ge":
      return a >= v;
    case "lt":
      return a < v;
    case "le":
      return a <= v;
  }
}

const op = fc.constantFrom<Op>("eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le");

const stringComparison: fc.Arbitrary<Gen> = fc
  .tuple(fc.constantFrom(...stringAttributes), op, text)
  .map(([[path, get, caseExact], o, value]) => ({
    text: `${path} ${o} ${quote(value)}`,
    test: (u) => compare(o, get(u), value, caseExact),
  }));

const presenceTargets: [string, Getter, boolean][] = [
  ...stringAttributes,
  ["active", (u) => u.active, true],
  [`${HR}:hired`, (u) => (u[HR] as ScimData | undefined)?.hired, true],
];
const presence: fc.Arbitrary<Gen> = fc.constantFrom(...presenceTargets).map(([path, get]) => ({
  text: `${path} pr`,
  test: (u) => get(u) !== undefined,
}));

const activeComparison: fc.Arbitrary<Gen> = fc.tuple(fc.constantFrom("eq", "ne"), fc.boolean()).map(([o, value]) => ({
  text: `active ${o} ${value}`,
  test: (u) => (o === "eq" ? u.active === value : u.active !== value),
}));

type Email = { value?: string; type?: string; primary?: boolean };
const emailsOf = (u: ScimData) => (u.emails as Email[] | undefined) ?? [];

// Conditions on one email, for value paths: emails[...] and emails.sub op v.
const emailCondition: fc.Arbitrary<{ text: string; test(email: ScimData): boolean }> = fc.oneof(
  fc
    .tuple(op, text)
    .map(([o, value]) => ({ text: `value ${o} ${quote(value)}`, test: (e: ScimData) => compare(o, e.value, value, false) })),
  fc
    .constantFrom("work", "home", "WORK")
    .map((value) => ({ text: `type eq ${quote(value)}`, test: (e: ScimData) => compare("eq", e.type, value, false) })),
  fc.boolean().map((value) => ({ text: `primary eq ${value}`, test: (e: ScimData) => e.primary === value })),
  fc.constant({ text: "value pr", test: (e: ScimData) => e.value !== undefined }),
);

const emailFilter: fc.Arbitrary<Gen> = fc.oneof(
  fc.tuple(emailCondition, emailCondition, fc.constantFrom("and", "or")).map(([a, b, logic]) => ({
    text: `emails[${a.text} ${logic} ${b.text}]`,
    test: (u: ScimData) => emailsOf(u).some((e) => (logic === "and" ? a.test(e) && b.test(e) : a.test(e) || b.test(e))),
  })),
  emailCondition.map((c) => ({ text: `emails.${c.text}`, test: (u: ScimData) => emailsOf(u).some((e) => c.test(e)) })),
  fc.tuple(fc.constantFrom("work", "home"), op, text).map(([type, o, value]) => ({
    text: `emails[type eq ${quote(type)}].value ${o} ${quote(value)}`,
    test: (u: ScimData) => emailsOf(u).some((e) => compare("eq", e.type, type, false) && compare(o, e.value, value, false)),
  })),
);

// Or-chains of eq on one attribute compile to one JSON array read with json_each (compile.ts anyOf).
const values = fc.array(text, { minLength: 2, maxLength: 5 });
const eqChain: fc.Arbitrary<Gen> = fc.oneof(
  fc.tuple(fc.constantFrom(...stringAttributes), values).map(([[path, get, caseExact], vs]) => ({
    text: vs.map((v) => `${path} eq ${quote(v)}`).join(" or "),
    test: (u: ScimData) => vs.some((v) => compare("eq", get(u), v, caseExact)),
  })),
  fc.tuple(fc.constantFrom("emails[value eq %]", "emails.value eq %", "emails eq %"), values).map(([form, vs]) => ({
    text: form.startsWith("emails[")
      ? `emails[${vs.map((v) => `value eq ${quote(v)}`).join(" or ")}]`
      : vs.map((v) => form.replace("%", quote(v))).join(" or "),
    test: (u: ScimData) => emailsOf(u).some((e) => vs.some((v) => compare("eq", e.value, v, false))),
  })),
  fc.constant({ text: "active eq true or active eq false", test: (u: ScimData) => u.active !== undefined }),
);

const dateTimeAttributes: [string, (u: ScimData, created: string) => unknown][] = [
  [`${HR}:hired`, (u) => (u[HR] as ScimData | undefined)?.hired],
  ["meta.created", (_u, created) => created],
];

// Reference semantics: instants compared as instants, whatever their spelling in the data or the filter.
type Ordering = "eq" | "ne" | "gt" | "ge" | "lt" | "le";
const ordering = fc.constantFrom<Ordering>("eq", "ne", "gt", "ge", "lt", "le");
function compareInstants(o: Ordering, actual: unknown, instant: number): boolean {
  if (typeof actual !== "string") return o === "ne";
  const a = Date.parse(actual);
  return o === "eq"
    ? a === instant
    : o === "ne"
      ? a !== instant
      : o === "gt"
        ? a > instant
        : o === "ge"
          ? a >= instant
          : o === "lt"
            ? a < instant
            : a <= instant;
}

const dateTimeComparison: fc.Arbitrary<Gen> = fc
  .tuple(fc.constantFrom(...dateTimeAttributes), ordering, fc.nat(INSTANTS.length - 1), form)
  .map(([[path, get], o, i, f]) => ({
    text: `${path} ${o} ${quote(spell(INSTANTS[i], f))}`,
    test: (u, created) => compareInstants(o, get(u, created), INSTANTS[i]),
  }));

const leaf = fc.oneof(stringComparison, stringComparison, presence, activeComparison, emailFilter, eqChain, dateTimeComparison);

const { filter } = fc.letrec<{ filter: Gen }>((tie) => ({
  filter: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leaf,
    fc.tuple(tie("filter"), tie("filter"), fc.constantFrom("and", "or", "AND")).map(([a, b, logic]) => ({
      text: `(${a.text}) ${logic} (${b.text})`,
      test: (u: ScimData, c: string) => (logic.toLowerCase() === "and" ? a.test(u, c) && b.test(u, c) : a.test(u, c) || b.test(u, c)),
    })),
    tie("filter").map((a) => ({ text: `not (${a.text})`, test: (u: ScimData, c: string) => !a.test(u, c) })),
  ),
}));

type GeneratedUser = typeof userArb extends fc.Arbitrary<infer T> ? T : never;

async function store(tenant: string, generated: GeneratedUser[]) {
  const db = database(env.DB);
  const users = generated.map((g, i) => {
    const { department, hired, created, hiredForm, ...core } = g;
    const data = parseResource(
      {
        userName: `user${i}`,
        ...core,
        ...(department !== undefined ? { [ENT]: { department } } : {}),
        ...(hired !== undefined ? { [HR]: { hired: spell(INSTANTS[hired], hiredForm) } } : {}),
      },
      userType,
    );
    const createdAt = new Date(INSTANTS[created]).toISOString();
    return { id: `id-${String(i).padStart(3, "0")}`, data, created: createdAt, lastModified: createdAt, version: 1 };
  });
  await Promise.all(users.map((u) => insertUser(db, tenant, userResourceType, u, null, JSON.stringify(u.data), { type: "user.created" })));
  return users;
}

describe("filter compiler against a reference evaluation", () => {
  it("returns exactly the users the RFC semantics pick", async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(userArb, { minLength: 1, maxLength: 12 }),
        fc.array(filter, { minLength: 1, maxLength: 8 }),
        async (generated, filters) => {
          const tenant = `prop-${run++}-${crypto.randomUUID().slice(0, 8)}`;
          const users = await store(tenant, generated);
          for (const f of filters) {
            // The service's path: literals as placeholders of a statement prepared once per filter shape.
            const { query } = prepareList({ filter: f.text, count: "100" }, userStorage(TENANT, userType), sql`${usersTable.id}`);
            const { resources } = await listUsers(database(env.DB), tenant, query);
            const expected = users
              .filter((u) => f.test(u.data, u.created))
              .map((u) => u.id)
              .sort();
            expect(resources.map((r) => r.id).sort(), f.text).toEqual(expected);
          }
        },
      ),
      { numRuns: 150 },
    );
  }, 120_000);

  it("matches dateTimes in PATCH value filters as the compiled SQL does", () => {
    const subAttributes = [dateTime("when")];
    fc.assert(
      fc.property(
        fc.nat(INSTANTS.length - 1),
        form,
        ordering,
        fc.nat(INSTANTS.length - 1),
        form,
        (stored, storedForm, o, wanted, wantedForm) => {
          // What a write stores: the canonical form of what the client sent.
          const element = { when: canonicalDateTime(spell(INSTANTS[stored], storedForm)) };
          const filter = parseFilter(`when ${o} ${quote(spell(INSTANTS[wanted], wantedForm))}`);
          expect(matchesFilter(filter, element, subAttributes)).toBe(compareInstants(o, element.when, INSTANTS[wanted]));
        },
      ),
      { numRuns: 500 },
    );
  });
});
