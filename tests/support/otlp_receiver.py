#!/usr/bin/python3
"""An OTLP/HTTP trace receiver for the tests: what a collector's otlp receiver is, for JSON.

POST /v1/traces with Content-Type: application/json. Every request body is checked against the
ExportTraceServiceRequest message of opentelemetry-proto (trace/v1/trace.proto, common/v1,
resource/v1) in protobuf's JSON mapping as the OTLP specification gives it: lowerCamelCase field
names, trace and span ids as hex, 64-bit integers as strings (numbers accepted), enums as
numbers. Fields the schema does not have are errors too (a misspelt "spanID" would otherwise be
ignored by a real collector and the span would lose its id).

Prints one line per event to stdout, which is the log the tests read:
  batch N                one valid request with N spans
  span {json}            each span, with "service" (the resource's service.name) added
  invalid REASON         a request refused (answered 400)
With --status CODE every request is answered CODE (after the checks), to play a collector that
refuses; with --hang it never answers.
"""
import argparse
import http.server
import json
import re
import sys
import time

HEX32 = re.compile(r"^[0-9a-f]{32}$")
HEX16 = re.compile(r"^[0-9a-f]{16}$")
DIGITS = re.compile(r"^[0-9]+$")
INT_STRING = re.compile(r"^-?[0-9]+$")


class Invalid(Exception):
    pass


def need(condition, reason):
    if not condition:
        raise Invalid(reason)


def only_keys(obj, where, allowed, required=()):
    need(isinstance(obj, dict), f"{where} is not an object")
    for key in obj:
        need(key in allowed, f"{where} has unknown field '{key}'")
    for key in required:
        need(key in obj, f"{where} lacks '{key}'")


def check_uint64(value, where):
    if isinstance(value, int):
        need(value >= 0, f"{where} is negative")
        return value
    need(isinstance(value, str) and DIGITS.match(value), f"{where} is not a uint64 string")
    return int(value)


def check_any_value(value, where):
    kinds = ("stringValue", "boolValue", "intValue", "doubleValue", "arrayValue", "kvlistValue",
             "bytesValue")
    only_keys(value, where, kinds)
    need(len(value) == 1, f"{where} must hold exactly one value")
    kind, inner = next(iter(value.items()))
    if kind == "stringValue":
        need(isinstance(inner, str), f"{where}.stringValue is not a string")
    elif kind == "boolValue":
        need(isinstance(inner, bool), f"{where}.boolValue is not a boolean")
    elif kind == "intValue":
        need(isinstance(inner, int) or (isinstance(inner, str) and INT_STRING.match(inner)),
             f"{where}.intValue is not an int64")
    elif kind == "doubleValue":
        need(isinstance(inner, (int, float)), f"{where}.doubleValue is not a number")
    elif kind == "arrayValue":
        only_keys(inner, where + ".arrayValue", ("values",))
        for i, item in enumerate(inner.get("values", [])):
            check_any_value(item, f"{where}.arrayValue.values[{i}]")
    elif kind == "kvlistValue":
        only_keys(inner, where + ".kvlistValue", ("values",))
        check_attributes(inner.get("values", []), where + ".kvlistValue.values")


def check_attributes(attributes, where):
    need(isinstance(attributes, list), f"{where} is not an array")
    seen = set()
    for i, attribute in enumerate(attributes):
        only_keys(attribute, f"{where}[{i}]", ("key", "value"), ("key", "value"))
        key = attribute["key"]
        need(isinstance(key, str) and key, f"{where}[{i}].key is not a non-empty string")
        need(key not in seen, f"{where} repeats key '{key}'")
        seen.add(key)
        check_any_value(attribute["value"], f"{where}[{i}].value")


def attribute_map(attributes):
    out = {}
    for attribute in attributes:
        value = next(iter(attribute["value"].values()))
        out[attribute["key"]] = int(value) if "intValue" in attribute["value"] else value
    return out


def check_span(span, where):
    only_keys(span, where,
              ("traceId", "spanId", "traceState", "parentSpanId", "flags", "name", "kind",
               "startTimeUnixNano", "endTimeUnixNano", "attributes", "droppedAttributesCount",
               "events", "droppedEventsCount", "links", "droppedLinksCount", "status"),
              ("traceId", "spanId", "name", "kind", "startTimeUnixNano", "endTimeUnixNano"))
    need(isinstance(span["traceId"], str) and HEX32.match(span["traceId"]),
         f"{where}.traceId is not 32 lower-case hex digits")
    need(span["traceId"] != "0" * 32, f"{where}.traceId is zero")
    need(isinstance(span["spanId"], str) and HEX16.match(span["spanId"]),
         f"{where}.spanId is not 16 lower-case hex digits")
    need(span["spanId"] != "0" * 16, f"{where}.spanId is zero")
    if "parentSpanId" in span and span["parentSpanId"] != "":
        need(isinstance(span["parentSpanId"], str) and HEX16.match(span["parentSpanId"]),
             f"{where}.parentSpanId is not 16 lower-case hex digits")
    need(isinstance(span["name"], str) and span["name"], f"{where}.name is empty")
    need(isinstance(span["kind"], int) and 0 <= span["kind"] <= 5, f"{where}.kind is not 0-5")
    start = check_uint64(span["startTimeUnixNano"], where + ".startTimeUnixNano")
    end = check_uint64(span["endTimeUnixNano"], where + ".endTimeUnixNano")
    need(end >= start, f"{where} ends before it starts")
    need(start > 1_000_000_000 * 1_000_000_000, f"{where} starts before 2001: not unix nanos")
    check_attributes(span.get("attributes", []), where + ".attributes")
    if "status" in span:
        only_keys(span["status"], where + ".status", ("code", "message"))
        if "code" in span["status"]:
            need(span["status"]["code"] in (0, 1, 2), f"{where}.status.code is not 0-2")
        if "message" in span["status"]:
            need(isinstance(span["status"]["message"], str), f"{where}.status.message")


def check_request(body):
    """Returns the spans of a valid ExportTraceServiceRequest, each with its service name."""
    only_keys(body, "request", ("resourceSpans",), ("resourceSpans",))
    need(isinstance(body["resourceSpans"], list), "resourceSpans is not an array")
    spans = []
    for r, resource_spans in enumerate(body["resourceSpans"]):
        where = f"resourceSpans[{r}]"
        only_keys(resource_spans, where, ("resource", "scopeSpans", "schemaUrl"), ("scopeSpans",))
        resource = resource_spans.get("resource", {})
        only_keys(resource, where + ".resource", ("attributes", "droppedAttributesCount"))
        check_attributes(resource.get("attributes", []), where + ".resource.attributes")
        service = attribute_map(resource.get("attributes", [])).get("service.name")
        need(isinstance(service, str) and service, where + " has no service.name")
        for s, scope_spans in enumerate(resource_spans["scopeSpans"]):
            swhere = f"{where}.scopeSpans[{s}]"
            only_keys(scope_spans, swhere, ("scope", "spans", "schemaUrl"), ("spans",))
            if "scope" in scope_spans:
                only_keys(scope_spans["scope"], swhere + ".scope",
                          ("name", "version", "attributes", "droppedAttributesCount"))
            for i, span in enumerate(scope_spans["spans"]):
                check_span(span, f"{swhere}.spans[{i}]")
                flat = dict(span)
                flat["service"] = service
                flat["attributes"] = attribute_map(span.get("attributes", []))
                spans.append(flat)
    return spans


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--status", type=int, default=200)
    parser.add_argument("--hang", action="store_true")
    args = parser.parse_args()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *unused):
            pass

        def answer(self, status, body):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            raw = self.rfile.read(length)
            if args.hang:
                time.sleep(3600)
            try:
                need(self.path == "/v1/traces", f"path {self.path} is not /v1/traces")
                need(self.headers.get("Content-Type", "").split(";")[0] == "application/json",
                     "Content-Type is not application/json")
                spans = check_request(json.loads(raw))
            except (Invalid, ValueError) as error:
                print("invalid", error, flush=True)
                self.answer(400, {"code": 3, "message": str(error)})
                return
            if args.status == 200:
                print("batch", len(spans), flush=True)
                for span in spans:
                    print("span", json.dumps(span, sort_keys=True), flush=True)
                self.answer(200, {})
            else:
                print("refused", len(spans), flush=True)
                self.answer(args.status, {"code": 14, "message": "unavailable"})

    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
