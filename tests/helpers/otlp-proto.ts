/**
 * Decodes OTLP/HTTP protobuf exports for tests, with protobufjs and the subset of
 * `opentelemetry/proto` (collector/trace/v1 and metrics/v1, trace/v1, metrics/v1, common/v1,
 * resource/v1) that the gateway's spans and metrics use:
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
message ExportMetricsServiceRequest { repeated ResourceMetrics resource_metrics = 1; }
message ResourceMetrics { Resource resource = 1; repeated ScopeMetrics scope_metrics = 2; string schema_url = 3; }
message ScopeMetrics { InstrumentationScope scope = 1; repeated Metric metrics = 2; string schema_url = 3; }
message Metric { string name = 1; string description = 2; string unit = 3; Sum sum = 7; Histogram histogram = 9; }
message Sum { repeated NumberDataPoint data_points = 1; int32 aggregation_temporality = 2; bool is_monotonic = 3; }
message NumberDataPoint { repeated KeyValue attributes = 7; fixed64 start_time_unix_nano = 2; fixed64 time_unix_nano = 3; double as_double = 4; sfixed64 as_int = 6; }
message Histogram { repeated HistogramDataPoint data_points = 1; int32 aggregation_temporality = 2; }
message HistogramDataPoint {
  repeated KeyValue attributes = 9; fixed64 start_time_unix_nano = 2; fixed64 time_unix_nano = 3; fixed64 count = 4;
  double sum = 5; repeated fixed64 bucket_counts = 6; repeated double explicit_bounds = 7; double min = 11; double max = 12;
}
message KeyValueList { repeated KeyValue values = 1; }
`;

const root = protobuf.parse(SCHEMA, { keepCase: false }).root;
const Request = root.lookupType("otlp.ExportTraceServiceRequest");
const MetricsRequest = root.lookupType("otlp.ExportMetricsServiceRequest");

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

/** An ExportMetricsServiceRequest's bytes as OTLP/JSON would carry it (sums and histograms). */
export function decodeMetrics(bytes: Uint8Array): { resourceMetrics: Array<{ resource: { attributes: unknown[] }; scopeMetrics: Array<{ metrics: Array<Record<string, unknown>> }> }> } {
  const obj = MetricsRequest.toObject(MetricsRequest.decode(bytes), { longs: String, defaults: false, oneofs: true, arrays: true }) as {
    resourceMetrics: Array<{ resource: { attributes: unknown[] }; scopeMetrics: Array<{ metrics: Array<{ sum?: { dataPoints: Array<{ attributes: unknown[] }> }; histogram?: { dataPoints: Array<{ attributes: unknown[] }> } }> }> }>;
  };
  for (const rm of obj.resourceMetrics) {
    rm.resource.attributes = jsonAttributes(rm.resource.attributes ?? []);
    for (const sm of rm.scopeMetrics) for (const m of sm.metrics) for (const dp of (m.sum ?? m.histogram)?.dataPoints ?? []) dp.attributes = jsonAttributes(dp.attributes ?? []);
  }
  return obj;
}

/** `[{key, value}]` with only the value field that is set, as OTLP/JSON writes it. */
function jsonAttributes(attrs: unknown[]): Array<{ key: string; value: Record<string, unknown> }> {
  return (attrs as Array<{ key: string; value: Record<string, unknown> & { value: string } }>).map(({ key, value }) => ({ key, value: { [value.value]: value[value.value] } }));
}

