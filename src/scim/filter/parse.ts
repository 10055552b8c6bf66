import { badRequest, type ScimType } from "../errors.ts";
import { MAX_FILTER_DEPTH, MAX_FILTER_LENGTH } from "../limits.ts";
import type { AttrPath, CompareOp, CompValue, Filter, PatchPath } from "./ast.ts";

// A hand-written recursive-descent parser rather than scim2-parse-filter: we need the same grammar
// for PATCH paths (emails[type eq "work"].value), Entra's non-RFC `attr[filter].sub eq v` filter form,
// and error messages that say where the filter went wrong.

const COMPARE_OPS = new Set(["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"]);
const LOGICAL_OPS = new Set(["and", "or", "not"]);

type Token =
  | { kind: "word"; text: string; at: number }
  | { kind: "string"; text: string; at: number }
  | { kind: "punct"; text: "(" | ")" | "[" | "]"; at: number };

// Attribute paths include URNs ("urn:...:2.0:User:department"), dots and $ref; unquoted values
// include dateTimes ("2020-01-01T00:00:00Z") and e-mail addresses.
const WORD = /[A-Za-z0-9_$:.\-+@]/;

function tokenize(input: string, scimType: ScimType): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const ch = input[i];
    if (ch === " " || ch === "\t" || ch === "\n" || ch === "\r") {
      i++;
    } else if (ch === "(" || ch === ")" || ch === "[" || ch === "]") {
      tokens.push({ kind: "punct", text: ch, at: i });
      i++;
    } else if (ch === '"') {
      const start = i;
      i++;
      let raw = '"';
      while (i < input.length && input[i] !== '"') {
        if (input[i] === "\\") {
          raw += input[i++];
        }
        raw += input[i++] ?? "";
      }
      if (i >= input.length) throw badRequest(scimType, `unterminated string starting at position ${start + 1}`);
      raw += '"';
      i++;
      let text: string;
      try {
        text = JSON.parse(raw);
      } catch {
        throw badRequest(scimType, `invalid escape in string starting at position ${start + 1}`);
      }
      tokens.push({ kind: "string", text, at: start });
    } else if (WORD.test(ch)) {
      const start = i;
      while (i < input.length && WORD.test(input[i])) i++;
      tokens.push({ kind: "word", text: input.slice(start, i), at: start });
    } else {
      throw badRequest(scimType, `unexpected character '${ch}' at position ${i + 1}`);
    }
  }
  return tokens;
}

/** Splits "urn:...:User:name.givenName" into URN, attribute and sub-attribute (RFC 7644 §3.10). */
export function parseAttrPath(text: string, scimType: ScimType = "invalidFilter"): AttrPath {
  let uri: string | undefined;
  let rest = text;
  if (/^urn:/i.test(text)) {
    const cut = text.lastIndexOf(":");
    uri = text.slice(0, cut);
    rest = text.slice(cut + 1);
  }
  const parts = rest.split(".");
  const valid = /^[A-Za-z$][A-Za-z0-9_$-]*$/;
  if (parts.length > 2 || !parts.every((p) => valid.test(p))) {
    throw badRequest(scimType, `'${text}' is not a valid attribute path`);
  }
  return { ...(uri ? { uri } : {}), attr: parts[0], ...(parts[1] ? { sub: parts[1] } : {}) };
}

class Parser {
  private pos = 0;
  private depth = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly scimType: ScimType,
  ) {}

  fail(message: string): never {
    const token = this.tokens[this.pos];
    throw badRequest(this.scimType, token ? `${message} at position ${token.at + 1}` : `${message} at end of input`);
  }

  private peek(): Token | undefined {
    return this.tokens[this.pos];
  }

  private peekWord(...words: string[]): boolean {
    const token = this.peek();
    return token?.kind === "word" && words.includes(token.text.toLowerCase());
  }

  private expectPunct(text: ")" | "]"): void {
    const token = this.peek();
    if (token?.kind !== "punct" || token.text !== text) this.fail(`expected '${text}'`);
    this.pos++;
  }

  atEnd(): boolean {
    return this.pos >= this.tokens.length;
  }

  // Precedence (RFC 7644 §3.4.2.2): not binds tighter than and, and tighter than or.
  parseOr(): Filter {
    if (++this.depth > MAX_FILTER_DEPTH) this.fail(`filter nested deeper than ${MAX_FILTER_DEPTH} levels`);
    let left = this.parseAnd();
    while (this.peekWord("or")) {
      this.pos++;
      left = { op: "or", left, right: this.parseAnd() };
    }
    this.depth--;
    return left;
  }

  private parseAnd(): Filter {
    let left = this.parseUnary();
    while (this.peekWord("and")) {
      this.pos++;
      left = { op: "and", left, right: this.parseUnary() };
    }
    return left;
  }

  private parseUnary(): Filter {
    if (this.peekWord("not")) {
      const next = this.tokens[this.pos + 1];
      if (next?.kind === "punct" && next.text === "(") {
        this.pos += 2;
        const filter = this.parseOr();
        this.expectPunct(")");
        return { op: "not", filter };
      }
    }
    const token = this.peek();
    if (token?.kind === "punct" && token.text === "(") {
      this.pos++;
      const inner = this.parseOr();
      this.expectPunct(")");
      return inner;
    }
    return this.parseAttributeExpression();
  }

  parsePath(): { path: AttrPath; filter?: Filter; sub?: string } {
    const token = this.peek();
    if (token?.kind !== "word") this.fail("expected an attribute name");
    this.pos++;
    const next = this.peek();
    if (next?.kind !== "punct" || next.text !== "[") return { path: parseAttrPath(token.text, this.scimType) };
    const path = parseAttrPath(token.text, this.scimType);
    if (path.sub) this.fail("a value filter must follow a multi-valued attribute, not a sub-attribute");
    this.pos++;
    const filter = this.parseOr();
    this.expectPunct("]");
    // "emails[type eq \"work\"].value": the tokenizer keeps ".value" as its own word.
    const after = this.peek();
    if (after?.kind === "word" && after.text.startsWith(".")) {
      this.pos++;
      const sub = after.text.slice(1);
      if (!/^[A-Za-z$][A-Za-z0-9_$-]*$/.test(sub)) this.fail(`'${sub}' is not a valid sub-attribute`);
      return { path, filter, sub };
    }
    return { path, filter };
  }

  private parseAttributeExpression(): Filter {
    const { path, filter, sub } = this.parsePath();
    if (filter && !sub) return { op: "has", path, filter };
    const target: AttrPath = sub ? { ...path, sub } : path;
    const opToken = this.peek();
    if (opToken?.kind !== "word") this.fail("expected an operator");
    const op = opToken.text.toLowerCase();
    this.pos++;
    let comparison: Filter;
    if (op === "pr") {
      comparison = { op: "pr", path: sub ? { attr: sub } : target };
    } else if (COMPARE_OPS.has(op)) {
      comparison = { op: op as CompareOp, path: sub ? { attr: sub } : target, ...this.parseValue() };
    } else {
      this.pos--;
      this.fail(`unknown operator '${opToken.text}'`);
    }
    // Entra's "emails[type eq \"work\"].value eq \"x\"" means: an element of emails that matches both.
    return filter ? { op: "has", path, filter: { op: "and", left: filter, right: comparison } } : comparison;
  }

  /**
   * RFC 7644 values are JSON literals. Microsoft's reference server also takes unquoted words
   * (`userName sw O`, `meta.created gt 2020-01-01T00:00:00Z`); such a word is kept as written in
   * `unquoted`, and whether it fits the attribute's type is the compiler's decision.
   */
  private parseValue(): { value: CompValue; unquoted?: string } {
    const token = this.peek();
    if (!token || token.kind === "punct") this.fail("expected a value");
    if (token.kind === "string") {
      this.pos++;
      return { value: token.text };
    }
    const text = token.text.toLowerCase();
    if (LOGICAL_OPS.has(text)) this.fail(`expected a value, found the operator '${token.text}' (quote it to mean the word)`);
    this.pos++;
    if (text === "null") return { value: null };
    const unquoted = token.text;
    if (text === "true" || text === "false") return { value: text === "true", unquoted };
    if (/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(unquoted)) return { value: Number(unquoted), unquoted };
    return { value: unquoted, unquoted };
  }
}

export function parseFilter(input: string): Filter {
  if (input.length > MAX_FILTER_LENGTH) {
    throw badRequest("invalidFilter", `filter longer than ${MAX_FILTER_LENGTH} characters`);
  }
  const parser = new Parser(tokenize(input, "invalidFilter"), "invalidFilter");
  if (parser.atEnd()) throw badRequest("invalidFilter", "empty filter");
  const filter = parser.parseOr();
  if (!parser.atEnd()) parser.fail("unexpected input");
  return filter;
}

export function parsePatchPath(input: string): PatchPath {
  const parser = new Parser(tokenize(input, "invalidPath"), "invalidPath");
  if (parser.atEnd()) throw badRequest("invalidPath", "empty path");
  const result = parser.parsePath();
  if (!parser.atEnd()) throw badRequest("invalidPath", `unexpected input in path '${input}'`);
  return result;
}
