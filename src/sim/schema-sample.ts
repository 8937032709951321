/**
 * A value that satisfies a JSON Schema, drawn deterministically from the sim's seeded generator:
 * what the sim answers for `response_format: json_schema` and for tool-call arguments, so
 * structured-output clients (the OpenAI SDK's `parse`, the AI SDK's `generateObject`, tool loops)
 * get something their own validation accepts. Covers what providers' structured outputs and
 * schema generators emit: objects with `properties`/`required`, arrays with `items` and length
 * bounds, `enum`/`const`, numbers with bounds, type unions (`["string", "null"]`), `anyOf`/`oneOf`/
 * `allOf`, `$ref` into `$defs`/`definitions`, and common string formats. Anything else → a string.
 */

type Schema = Record<string, unknown>;

/** Recursion stops here (a recursive `$ref` schema must still end). */
const MAX_DEPTH = 8;

export function sampleFromSchema(schema: unknown, r: () => number, root: unknown = schema, depth = 0, key = "value"): unknown {
  if (!schema || typeof schema !== "object" || Array.isArray(schema)) return `${key}-${Math.floor(r() * 1000)}`;
  const s = schema as Schema;
  if (typeof s.$ref === "string") return sampleFromSchema(resolveRef(s.$ref, root), r, root, depth + 1, key);
  if ("const" in s) return s.const;
  if (Array.isArray(s.enum) && s.enum.length) return s.enum[Math.floor(r() * s.enum.length)];
  for (const union of ["anyOf", "oneOf"] as const) {
    const options = s[union];
    if (Array.isArray(options) && options.length) {
      // Prefer a non-null branch: a sample full of nulls says little.
      const real = options.filter((o) => (o as Schema)?.type !== "null");
      return sampleFromSchema(real[0] ?? options[0], r, root, depth + 1, key);
    }
  }
  if (Array.isArray(s.allOf) && s.allOf.length) {
    const merged: Schema = {};
    for (const part of s.allOf as Schema[]) mergeInto(merged, part && typeof part.$ref === "string" ? (resolveRef(part.$ref, root) as Schema) : part);
    return sampleFromSchema(merged, r, root, depth + 1, key);
  }
  let type = s.type;
  if (Array.isArray(type)) type = type.find((t) => t !== "null") ?? type[0];
  if (type === undefined) type = s.properties ? "object" : s.items ? "array" : "string";
  switch (type) {
    case "object": {
      const out: Record<string, unknown> = {};
      if (depth >= MAX_DEPTH) return out;
      const props = (s.properties ?? {}) as Record<string, unknown>;
      const required = new Set(Array.isArray(s.required) ? (s.required as string[]) : Object.keys(props));
      // Every property (structured outputs require them all); required ones first if any are missing.
      for (const name of new Set([...required, ...Object.keys(props)])) out[name] = sampleFromSchema(props[name] ?? {}, r, root, depth + 1, name);
      return out;
    }
    case "array": {
      if (depth >= MAX_DEPTH) return [];
      const min = Number.isInteger(s.minItems) ? (s.minItems as number) : 1;
      const max = Number.isInteger(s.maxItems) ? (s.maxItems as number) : Number.POSITIVE_INFINITY;
      // Between minItems and min(maxItems, max(minItems, 3)): short lists, within the bounds.
      const upper = Math.min(max, Math.max(min, 3));
      const n = Math.max(0, Math.min(upper, min + Math.floor(r() * (upper - min + 1))));
      const items = Array.isArray(s.prefixItems) ? (s.prefixItems as unknown[]) : undefined;
      return Array.from({ length: items ? items.length : n }, (_, i) => sampleFromSchema(items ? items[i] : (s.items ?? {}), r, root, depth + 1, key));
    }
    case "integer":
    case "number": {
      const lo = typeof s.minimum === "number" ? s.minimum : typeof s.exclusiveMinimum === "number" ? s.exclusiveMinimum + 1 : Number.NEGATIVE_INFINITY;
      const hi = typeof s.maximum === "number" ? s.maximum : typeof s.exclusiveMaximum === "number" ? s.exclusiveMaximum - 1 : Number.POSITIVE_INFINITY;
      // Human-sized numbers: 0–100 moved into the bounds (schema generators often bound integers
      // by ±2^53, which would make every sample a 16-digit number).
      const from = Math.min(Math.max(0, lo), hi);
      const to = Math.max(from, Math.min(hi, from + 100));
      const v = from + r() * (to - from);
      return type === "integer" ? Math.min(Math.floor(to), Math.max(Math.ceil(from), Math.round(v))) : Math.min(to, Math.max(from, Math.round(v * 100) / 100));
    }
    case "boolean":
      return r() < 0.5;
    case "null":
      return null;
    default:
      return sampleString(s, r, key);
  }
}

function sampleString(s: Schema, r: () => number, key: string): string {
  switch (s.format) {
    case "date-time":
      return new Date(Date.UTC(2026, Math.floor(r() * 12), 1 + Math.floor(r() * 28), 12)).toISOString();
    case "date":
      return `2026-${String(1 + Math.floor(r() * 12)).padStart(2, "0")}-${String(1 + Math.floor(r() * 28)).padStart(2, "0")}`;
    case "email":
      return `${key.toLowerCase().replace(/[^a-z0-9]/g, "") || "user"}${Math.floor(r() * 100)}@example.com`;
    case "uri":
    case "url":
      return `https://example.com/${key}/${Math.floor(r() * 1000)}`;
    case "uuid":
      return "00000000-0000-4000-8000-".concat(Math.floor(r() * 1e12).toString(16).padStart(12, "0"));
  }
  let text = `${key}-${Math.floor(r() * 1000)}`;
  const min = typeof s.minLength === "number" ? s.minLength : 0;
  const max = typeof s.maxLength === "number" ? s.maxLength : Infinity;
  while (text.length < min) text += "x";
  return text.slice(0, max);
}

/** `#/$defs/Name` (or `#/definitions/...`, any JSON pointer into the root schema). */
function resolveRef(ref: string, root: unknown): unknown {
  if (!ref.startsWith("#")) return {};
  let node: unknown = root;
  for (const part of ref.slice(1).split("/").filter(Boolean)) {
    const key = decodeURIComponent(part.replace(/~1/g, "/").replace(/~0/g, "~"));
    node = node && typeof node === "object" ? (node as Schema)[key] : undefined;
  }
  return node ?? {};
}

function mergeInto(target: Schema, part: Schema | undefined): void {
  if (!part) return;
  for (const [k, v] of Object.entries(part)) {
    if (k === "properties") target.properties = { ...(target.properties as Schema | undefined), ...(v as Schema) };
    else if (k === "required") target.required = [...((target.required as string[] | undefined) ?? []), ...(v as string[])];
    else target[k] = v;
  }
}
