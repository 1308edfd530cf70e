//! The OpenAPI 3.1 document of `keyctl serve`'s routes, built here from the same facts the
//! handlers use (body limit, codes, headers). `openapi.json` at the repository root is this
//! document, committed; a test checks that the served one matches it.

use serde_json::{json, Value};

use super::handlers::verify::MAX_BODY;
use super::metrics::CODES;

fn error_body() -> Value {
    json!({
        "type": "object",
        "required": ["error", "message"],
        "properties": {
            "error": { "type": "string", "description": "A stable code, e.g. BAD_REQUEST, BODY_TOO_LARGE, SERVICE_TOKEN, UNAVAILABLE" },
            "message": { "type": "string", "description": "What went wrong; never quotes the request" }
        }
    })
}

fn error(description: &str) -> Value {
    json!({ "description": description, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } })
}

fn verdict() -> Value {
    let owner = json!({
        "type": "object",
        "required": ["type", "id", "name"],
        "properties": {
            "type": { "type": "string", "enum": ["user", "service_account"] },
            "id": { "type": "string" },
            "name": { "type": "string" }
        }
    });
    json!({
        "type": "object",
        "required": ["valid", "code"],
        "description": "The JSON of `keyctl key verify -o json` (spec section 5); the key's details are present once the key is identified.",
        "properties": {
            "valid": { "type": "boolean" },
            "code": { "type": "string", "enum": CODES },
            "error": { "type": "string", "description": "With INTEGRITY_ERROR only: what failed authentication" },
            "key_id": { "type": "string" },
            "org_id": { "type": "string" },
            "project_id": { "type": "string" },
            "owner": owner,
            "permission": { "type": ["string", "null"] },
            "scopes": { "type": "array", "items": { "type": "string" } },
            "expires_at": { "type": ["string", "null"], "format": "date-time" },
            "name": { "type": ["string", "null"] },
            "meta": { "type": "object", "additionalProperties": { "type": "string" } },
            "external_id": { "type": ["string", "null"] },
            "remaining": { "type": "integer", "minimum": 0, "description": "Uses left, for keys with max uses" },
            "ratelimit": {
                "oneOf": [
                    { "type": "null" },
                    {
                        "type": "object",
                        "required": ["limit", "remaining", "reset"],
                        "properties": {
                            "limit": { "type": "integer", "minimum": 0 },
                            "remaining": { "type": "integer", "minimum": 0 },
                            "reset": { "type": "string", "format": "date-time" }
                        }
                    }
                ]
            }
        }
    })
}

fn header(description: &str) -> Value {
    json!({ "description": description, "schema": { "type": "string" } })
}

/// The document, pretty-printed with a final newline (as committed).
pub fn document() -> String {
    let bearer = json!([{ "serviceToken": [] }]);
    let doc = json!({
        "openapi": "3.1.0",
        "info": {
            "title": "keyctl serve",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Verifies keyctl API keys over HTTP, for API servers in any language and for reverse proxies (forward-auth). When KEYCTL_SERVE_TOKEN is set, /v1/keys/verify and /metrics need it as a Bearer token and /v1/auth as X-Keyctl-Token. No route takes a query string: keys never belong in URLs.",
            "license": { "name": "MIT" }
        },
        "servers": [{ "url": "http://127.0.0.1:8700" }],
        "paths": {
            "/v1/keys/verify": {
                "post": {
                    "operationId": "verifyKey",
                    "summary": "Verify one key; 200 for every verdict, valid or not",
                    "security": bearer,
                    "requestBody": {
                        "required": true,
                        "content": { "application/json": { "schema": { "$ref": "#/components/schemas/VerifyRequest" } } }
                    },
                    "responses": {
                        "200": {
                            "description": "The verdict",
                            "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Verdict" } } }
                        },
                        "400": error("Not JSON, wrong types, an unknown field, or a query string"),
                        "401": error("Missing or wrong service token"),
                        "408": error("The body was not sent in time"),
                        "413": error("The body is larger than 16 KiB"),
                        "503": error("The store failed, or too many requests are waiting; retry")
                    }
                }
            },
            "/v1/auth": {
                "get": {
                    "operationId": "forwardAuth",
                    "summary": "Forward-auth: the verdict as a status, for nginx auth_request, Traefik forwardAuth and Envoy ext_authz",
                    "description": "Also answers any other method, and any path below /v1/auth (Envoy appends the original path). With X-Keyctl-Limit-Status: 403, limits answer 403 instead of 429 (for nginx, whose auth_request passes only 2xx, 401 and 403).",
                    "security": [{ "forwardAuthToken": [] }],
                    "parameters": [
                        { "name": "Authorization", "in": "header", "schema": { "type": "string" }, "description": "Bearer KEY (or use X-API-Key)" },
                        { "name": "X-API-Key", "in": "header", "schema": { "type": "string" } },
                        { "name": "X-Real-IP", "in": "header", "schema": { "type": "string" }, "description": "The client's address, preferred" },
                        { "name": "X-Forwarded-For", "in": "header", "schema": { "type": "string" }, "description": "Without X-Real-IP: its rightmost entry, the one the proxy appended" },
                        { "name": "X-Keyctl-Require", "in": "header", "schema": { "type": "string", "pattern": "^\\s*(\\*|[a-z0-9][a-z0-9_.-]{0,127}):(none|read|write)(\\s*,\\s*(\\*|[a-z0-9][a-z0-9_.-]{0,127}):(none|read|write))*\\s*$" }, "description": "Comma-separated scopes the key must allow, e.g. models:read" },
                        { "name": "X-Keyctl-Cost", "in": "header", "schema": { "type": "string", "pattern": "^[0-9]{1,12}(\\.[0-9]{1,6})?$" }, "description": "A decimal cost toward the project's monthly budget" },
                        { "name": "X-Keyctl-Limit-Status", "in": "header", "schema": { "type": "string", "enum": ["403"] }, "description": "Answer limits as 403 instead of 429" }
                    ],
                    "responses": {
                        "200": {
                            "description": "The key is valid",
                            "headers": {
                                "X-Keyctl-Code": header("VALID"),
                                "X-Keyctl-Key-Id": header("The key's id"),
                                "X-Keyctl-Project-Id": header("The key's project"),
                                "X-Keyctl-Permission": header("The effective permission"),
                                "X-Keyctl-Owner": header("type:id of the key's owner")
                            },
                            "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Verdict" } } }
                        },
                        "400": error("An unreadable X-Keyctl-Require or X-Keyctl-Cost, or a query string"),
                        "401": {
                            "description": "No usable key (MISSING_KEY, MALFORMED, NOT_FOUND, REVOKED, EXPIRED, DISABLED), or a missing or wrong service token (SERVICE_TOKEN)",
                            "headers": { "X-Keyctl-Code": header("Why") }
                        },
                        "403": {
                            "description": "The key may not do this (INSUFFICIENT_PERMISSIONS, IP_NOT_ALLOWED, PROJECT_ARCHIVED, OWNER_REMOVED)",
                            "headers": { "X-Keyctl-Code": header("Why") }
                        },
                        "429": {
                            "description": "A limit refused it (RATE_LIMITED, USAGE_EXCEEDED, BUDGET_EXCEEDED)",
                            "headers": {
                                "X-Keyctl-Code": header("Why"),
                                "Retry-After": { "description": "Seconds until the limit resets", "schema": { "type": "integer" } }
                            }
                        },
                        "503": error("The store failed, or a record failed authentication (X-Keyctl-Code: INTEGRITY_ERROR)")
                    }
                }
            },
            "/healthz": {
                "get": {
                    "operationId": "healthz",
                    "summary": "The process answers",
                    "responses": { "200": { "description": "Alive", "content": { "application/json": { "schema": { "type": "object" } } } } }
                }
            },
            "/readyz": {
                "get": {
                    "operationId": "readyz",
                    "summary": "The store is reachable and unlocked",
                    "responses": {
                        "200": { "description": "Ready", "content": { "application/json": { "schema": { "type": "object" } } } },
                        "503": error("The store cannot be read")
                    }
                }
            },
            "/metrics": {
                "get": {
                    "operationId": "metrics",
                    "summary": "Prometheus text: verifies by code, latency histogram, cache hits and misses, batched writes",
                    "security": bearer,
                    "responses": {
                        "200": { "description": "Metrics", "content": { "text/plain": { "schema": { "type": "string" } } } },
                        "401": error("Missing or wrong service token")
                    }
                }
            },
            "/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "summary": "This document",
                    "responses": { "200": { "description": "OpenAPI 3.1", "content": { "application/json": { "schema": { "type": "object" } } } } }
                }
            }
        },
        "components": {
            "securitySchemes": {
                "serviceToken": { "type": "http", "scheme": "bearer", "description": "KEYCTL_SERVE_TOKEN, when set" },
                "forwardAuthToken": { "type": "apiKey", "in": "header", "name": "X-Keyctl-Token", "description": "KEYCTL_SERVE_TOKEN, when set" }
            },
            "schemas": {
                "VerifyRequest": {
                    "type": "object",
                    "required": ["key"],
                    "additionalProperties": false,
                    "maxProperties": 5,
                    "description": format!("At most {MAX_BODY} bytes. Unknown fields are refused (400)."),
                    "properties": {
                        "key": { "type": "string", "description": "The API key (sk-proj-… or sk-svc-…)" },
                        "require": { "type": "array", "items": { "type": "string", "pattern": "^(\\*|[a-z0-9][a-z0-9_.-]{0,127}):(none|read|write)$" }, "description": "Scopes the key must allow, e.g. models:read" },
                        "client_ip": { "oneOf": [{ "type": "null" }, { "type": "string", "format": "ipv4" }, { "type": "string", "format": "ipv6" }], "description": "The caller's IP address, for keys with an allowlist" },
                        "cost": { "oneOf": [{ "type": "null" }, { "type": "string", "pattern": "^[0-9]{1,12}(\\.[0-9]{1,6})?$" }, { "type": "number", "minimum": 0, "maximum": 1000000000000_i64, "multipleOf": 0.000001 }], "description": "Counted toward the project's monthly budget; at most six decimals" },
                        "record": { "type": "boolean", "default": true, "description": "false: check without counting a use" }
                    }
                },
                "Verdict": verdict(),
                "Error": error_body()
            }
        }
    });
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}
