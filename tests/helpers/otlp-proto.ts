/**
 * Decodes OTLP/HTTP protobuf trace exports for tests, with protobufjs and the subset of
 * `opentelemetry/proto` (collector/trace/v1, trace/v1, common/v1, resource/v1) that spans use:
 * an independent reader of what `span-proto.ts` and the SDK's serializer write. Decoded into
 * OTLP/JSON's shape (lowerCamelCase, ids as hex, 64-bit integers as strings, defaults filled in).
 */
import protobuf from "protobufjs";

const SCHEMA = `
syntax = "proto3";
package otlp;
message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; string schema_url = 3; }
message Resource { repeated KeyValue attributes = 1; uint32 dropped_attributes_count = 2; }
message ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; string schema_url = 3; }
message InstrumentationScope { string name = 1; string version = 2; repeated KeyValue attributes = 3; uint32 dropped_attributes_count = 4; }
message Span {
  bytes trace_id = 1; bytes span_id = 2; string trace_state = 3; bytes parent_span_id = 4; fixed32 flags = 16;
  string name = 5; int32 kind = 6; fixed64 start_time_unix_nano = 7; fixed64 end_time_unix_nano = 8;
  repeated KeyValue attributes = 9; uint32 dropped_attributes_count = 10; repeated Event events = 11;
  uint32 dropped_events_count = 12; repeated Link links = 13; uint32 dropped_links_count = 14; Status status = 15;
}
message Event { fixed64 time_unix_nano = 1; string name = 2; repeated KeyValue attributes = 3; uint32 dropped_attributes_count = 4; }
message Link { bytes trace_id = 1; bytes span_id = 2; string trace_state = 3; repeated KeyValue attributes = 4; uint32 dropped_attributes_count = 5; fixed32 flags = 6; }
message Status { string message = 2; int32 code = 3; }
message KeyValue { string key = 1; AnyValue value = 2; }
message AnyValue {
  oneof value { string string_value = 1; bool bool_value = 2; int64 int_value = 3; double double_value = 4; ArrayValue array_value = 5; KeyValueList kvlist_value = 6; bytes bytes_value = 7; }
}
message ArrayValue { repeated AnyValue values = 1; }
message KeyValueList { repeated KeyValue values = 1; }
`;

const Request = protobuf.parse(SCHEMA, { keepCase: false }).root.lookupType("otlp.ExportTraceServiceRequest");

const hex = (b: unknown) => Buffer.from(b as Uint8Array).toString("hex");

/** An ExportTraceServiceRequest's bytes as OTLP/JSON would carry it. */
export function decodeTraces(bytes: Uint8Array): { resourceSpans: Array<{ resource: { attributes: unknown[] }; scopeSpans: Array<{ scope: { name: string }; spans: Array<Record<string, unknown>> }> }> } {
  const message = Request.decode(bytes);
  const obj = Request.toObject(message, { longs: String, bytes: Array, defaults: true, oneofs: true, arrays: true }) as {
    resourceSpans: Array<{ resource: { attributes: unknown[] }; scopeSpans: Array<{ scope: { name: string }; spans: Array<Record<string, unknown>> }> }>;
  };
  for (const rs of obj.resourceSpans) {
    for (const ss of rs.scopeSpans) {
      for (const span of ss.spans) {
        for (const key of ["traceId", "spanId", "parentSpanId"]) span[key] = hex(span[key]);
        if (span.parentSpanId === "") delete span.parentSpanId;
        span.attributes = jsonAttributes(span.attributes as unknown[]);
      }
    }
    rs.resource.attributes = jsonAttributes(rs.resource.attributes);
  }
  return obj;
}

/** `[{key, value}]` with only the value field that is set, as OTLP/JSON writes it. */
function jsonAttributes(attrs: unknown[]): Array<{ key: string; value: Record<string, unknown> }> {
  return (attrs as Array<{ key: string; value: Record<string, unknown> & { value: string } }>).map(({ key, value }) => ({ key, value: { [value.value]: value[value.value] } }));
}

