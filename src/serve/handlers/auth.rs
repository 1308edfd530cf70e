//! `GET /v1/auth`: forward-auth for nginx `auth_request`, Traefik `forwardAuth` and Envoy
//! `ext_authz`. The key comes from `Authorization: Bearer` or `X-API-Key`; the client address
//! from `X-Real-IP`, else the last (rightmost) `X-Forwarded-For` entry, the one the proxy in
//! front of us appended (entries to its left are whatever the client claimed). The verdict
//! is the status: 200, 401 (no usable key), 403 (not allowed), 429 (a limit, with
//! `Retry-After`); its code is in `X-Keyctl-Code`. nginx's `auth_request` passes only 2xx,
//! 401 and 403 on, so a proxy may ask for limits as 403 with `X-Keyctl-Limit-Status: 403`
//! (still with `Retry-After` and the code) and turn them back into 429 itself (README).

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::Response;
use chrono::{Datelike, TimeZone, Utc};

use super::verify::{check, unavailable};
use super::{bearer_token, json_ok, problem, refuse_query, token_ok, unauthorized};
use crate::crypto::SecretString;
use crate::domain::{Amount, Scope};
use crate::serve::pool::Answer;
use crate::serve::AppState;
use crate::store::{VerifyCode, VerifyOutcome};

/// Until a key whose max uses are spent may be tried again: it stays refused until its uses
/// are raised, so clients are told to come back much later.
const USAGE_RETRY_SECS: i64 = 3_600;

pub async fn auth(State(state): State<Arc<AppState>>, req: Request) -> Response {
    let started = Instant::now();
    if let Some(r) = refuse_query(req.uri()) {
        return r;
    }
    let headers = req.headers();
    if !token_ok(&state, headers, false) {
        return unauthorized();
    }
    let Some(key) = presented_key(headers) else {
        return verdict_response(StatusCode::UNAUTHORIZED, "MISSING_KEY", None, Vec::new());
    };
    let mut scopes = Vec::new();
    if let Some(v) = headers.get("x-keyctl-require") {
        let Ok(text) = v.to_str() else { return bad_header("X-Keyctl-Require") };
        for s in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            match s.parse::<Scope>() {
                Ok(scope) => scopes.push(scope),
                Err(_) => return bad_header("X-Keyctl-Require"),
            }
        }
    }
    let cost = match headers.get("x-keyctl-cost").map(|v| v.to_str().ok().and_then(|s| s.trim().parse::<Amount>().ok()))
    {
        None => Amount::ZERO,
        Some(Some(a)) => a,
        Some(None) => return bad_header("X-Keyctl-Cost"),
    };
    let client_ip = client_ip(headers);
    let answer = check(&state, key, started, |r| r.require_all(&scopes).client_ip(client_ip).cost(cost)).await;
    match answer {
        Answer::Verdict(outcome) => {
            let status = match status_of(outcome.code) {
                StatusCode::TOO_MANY_REQUESTS if limit_as_403(headers) => StatusCode::FORBIDDEN,
                s => s,
            };
            let limited = status_of(outcome.code) == StatusCode::TOO_MANY_REQUESTS;
            let retry = limited.then(|| retry_after(&state, &outcome));
            let body = serde_json::to_vec(&outcome).unwrap_or_default();
            let mut r = verdict_response(status, outcome.code.as_str(), retry, body);
            if outcome.valid {
                if let Some(k) = &outcome.key {
                    let h = r.headers_mut();
                    insert(h, "x-keyctl-key-id", &k.key_id);
                    insert(h, "x-keyctl-project-id", &k.project_id);
                    insert(h, "x-keyctl-permission", k.permission.map_or("", |p| p.as_str()));
                    insert(h, "x-keyctl-owner", &format!("{}:{}", k.owner.kind, k.owner.id));
                }
            }
            r
        }
        // A tampered record: never let the request through, and say it is the server's fault.
        Answer::Integrity(_) => {
            let mut r = unavailable();
            r.headers_mut().insert("x-keyctl-code", HeaderValue::from_static("INTEGRITY_ERROR"));
            r
        }
        Answer::Unavailable => unavailable(),
    }
}

/// The status a forward-auth verdict answers (spec section 9).
pub fn status_of(code: VerifyCode) -> StatusCode {
    match code {
        VerifyCode::Valid => StatusCode::OK,
        VerifyCode::Malformed
        | VerifyCode::NotFound
        | VerifyCode::Revoked
        | VerifyCode::Expired
        | VerifyCode::Disabled => StatusCode::UNAUTHORIZED,
        VerifyCode::InsufficientPermissions
        | VerifyCode::IpNotAllowed
        | VerifyCode::ProjectArchived
        | VerifyCode::OwnerRemoved => StatusCode::FORBIDDEN,
        VerifyCode::RateLimited | VerifyCode::UsageExceeded | VerifyCode::BudgetExceeded => {
            StatusCode::TOO_MANY_REQUESTS
        }
    }
}

/// Whether the proxy asked for limits as 403 (`X-Keyctl-Limit-Status: 403`).
fn limit_as_403(headers: &HeaderMap) -> bool {
    headers.get("x-keyctl-limit-status").is_some_and(|v| v.as_bytes().trim_ascii() == b"403")
}

/// The key from `Authorization: Bearer`, else `X-API-Key`. A value that is not text still
/// counts as a key (it answers MALFORMED), so a client cannot tell "absent" from "unreadable".
fn presented_key(headers: &HeaderMap) -> Option<SecretString> {
    let raw = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| bearer_token(v.as_bytes()))
        .or_else(|| headers.get("x-api-key").map(|v| v.as_bytes().trim_ascii()))?;
    Some(SecretString::new(std::str::from_utf8(raw).map_or_else(|_| "\u{0}".to_owned(), str::to_owned)))
}

/// `X-Real-IP`, else the rightmost `X-Forwarded-For` entry. An address that does not parse
/// counts as none: a key with an IP allowlist is then refused.
fn client_ip(headers: &HeaderMap) -> Option<IpAddr> {
    if let Some(v) = headers.get("x-real-ip") {
        return v.to_str().ok().and_then(|s| s.trim().parse().ok());
    }
    let last = headers.get_all("x-forwarded-for").iter().next_back()?;
    last.to_str().ok()?.rsplit(',').next()?.trim().parse().ok()
}

/// Seconds until the limit that refused the key resets.
fn retry_after(state: &AppState, outcome: &VerifyOutcome) -> i64 {
    let now = state.clock.now();
    let until = match outcome.code {
        VerifyCode::RateLimited => outcome.key.as_ref().and_then(|k| k.ratelimit.as_ref()).map(|r| r.reset),
        VerifyCode::BudgetExceeded => {
            let (y, m) = if now.month() == 12 { (now.year() + 1, 1) } else { (now.year(), now.month() + 1) };
            Utc.with_ymd_and_hms(y, m, 1, 0, 0, 0).single()
        }
        _ => None,
    };
    until.map_or(USAGE_RETRY_SECS, |t| (t - now).num_seconds()).max(1)
}

fn verdict_response(status: StatusCode, code: &'static str, retry: Option<i64>, body: Vec<u8>) -> Response {
    let mut r = json_ok(body);
    *r.status_mut() = status;
    let h = r.headers_mut();
    h.insert("x-keyctl-code", HeaderValue::from_static(code));
    if let Some(secs) = retry {
        h.insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    if status == StatusCode::UNAUTHORIZED {
        h.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"api\""));
    }
    r
}

fn insert(h: &mut HeaderMap, name: &'static str, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        h.insert(HeaderName::from_static(name), v);
    }
}

fn bad_header(name: &str) -> Response {
    problem(StatusCode::BAD_REQUEST, "BAD_REQUEST", &format!("the {name} header is not valid"))
}
