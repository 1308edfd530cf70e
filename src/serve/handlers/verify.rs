//! `POST /v1/keys/verify`: the JSON of `key verify -o json` for every verdict (200), 400 for
//! a body that is not the documented object, 413 over 16 KiB, 503 when the store fails.
//! Unknown fields are refused (400): a misspelt `require` must not verify with fewer
//! requirements than the caller meant.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::{json_ok, problem, refuse_query, token_ok, unauthorized};
use crate::crypto::SecretString;
use crate::domain::{Amount, Scope};
use crate::serve::pool::Answer;
use crate::serve::AppState;
use crate::store::VerifyRequest;

/// The largest body accepted.
pub const MAX_BODY: usize = 16 * 1024;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VerifyBody {
    key: String,
    #[serde(default)]
    require: Vec<String>,
    #[serde(default)]
    client_ip: Option<String>,
    #[serde(default)]
    cost: Option<CostValue>,
    #[serde(default = "yes")]
    record: bool,
}

fn yes() -> bool {
    true
}

/// A cost as a decimal string (`"0.002"`, exact) or a JSON number (read as the decimal it
/// prints, exponent and all: `1e-06` is 0.000001).
#[derive(Deserialize)]
#[serde(untagged)]
enum CostValue {
    Text(String),
    Number(serde_json::Number),
}

pub async fn verify(State(state): State<Arc<AppState>>, req: Request) -> Response {
    let started = Instant::now();
    if let Some(r) = refuse_query(req.uri()) {
        return r;
    }
    if !token_ok(&state, req.headers(), true) {
        return unauthorized();
    }
    let body = match read_body(req.into_body(), state.client_timeout).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let parsed: VerifyBody = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => return bad_json(&e),
    };
    drop(body);
    let VerifyBody { key, require, client_ip, cost, record } = parsed;
    let key = SecretString::new(key);
    let mut scopes = Vec::with_capacity(require.len());
    for (i, s) in require.iter().enumerate() {
        match s.parse::<Scope>() {
            Ok(scope) => scopes.push(scope),
            Err(_) => return bad_field(&format!("require[{i}] is not a scope (RESOURCE:LEVEL, e.g. models:read)")),
        }
    }
    let client_ip = match client_ip.as_deref().map(str::parse::<IpAddr>) {
        None => None,
        Some(Ok(ip)) => Some(ip),
        Some(Err(_)) => return bad_field("client_ip is not an IP address"),
    };
    let cost = match cost.map(|c| match c {
        CostValue::Text(s) => s.parse::<Amount>(),
        CostValue::Number(n) => Amount::from_number_text(&n.to_string()),
    }) {
        None => Amount::ZERO,
        Some(Ok(a)) => a,
        Some(Err(_)) => return bad_field("cost is not a decimal amount with at most six decimals"),
    };
    let answer = check(&state, key, started, |r| {
        let r = r.require_all(&scopes).client_ip(client_ip).cost(cost);
        if record {
            r
        } else {
            r.no_record()
        }
    })
    .await;
    match answer {
        Answer::Verdict(outcome) => match serde_json::to_vec(&outcome) {
            Ok(body) => json_ok(body),
            Err(_) => problem(StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL", "cannot encode the verdict"),
        },
        Answer::Integrity(message) => {
            let body = serde_json::json!({ "valid": false, "code": "INTEGRITY_ERROR", "error": message });
            json_ok(body.to_string().into_bytes())
        }
        Answer::Unavailable => unavailable(),
    }
}

/// Verifies one key: a remembered final refusal, or a verifier thread's verdict. Counts the
/// verdict and its latency.
pub async fn check(
    state: &AppState,
    key: SecretString,
    started: Instant,
    build: impl FnOnce(VerifyRequest) -> VerifyRequest,
) -> Answer {
    if let Some(outcome) = state.cache.get(key.expose_secret()) {
        state.metrics.cache(true);
        state.metrics.verified(outcome.code.as_str(), started.elapsed());
        return Answer::Verdict(Box::new(outcome));
    }
    state.metrics.cache(false);
    let answer = state.pool.verify(build(VerifyRequest::new(key.clone()))).await;
    match &answer {
        Answer::Verdict(outcome) => {
            state.cache.remember(key.expose_secret(), outcome);
            state.metrics.verified(outcome.code.as_str(), started.elapsed());
        }
        Answer::Integrity(_) => state.metrics.verified("INTEGRITY_ERROR", started.elapsed()),
        Answer::Unavailable => state.metrics.unavailable(),
    }
    answer
}

pub fn unavailable() -> Response {
    let mut r = problem(StatusCode::SERVICE_UNAVAILABLE, "UNAVAILABLE", "the store failed; try again");
    r.headers_mut().insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from_static("1"));
    r
}

/// The whole body, at most `MAX_BODY` bytes (413 beyond), within the client timeout (408
/// for a client that trickles it). Held in a buffer that is wiped when dropped: it has the key.
async fn read_body(body: Body, timeout: std::time::Duration) -> Result<zeroize::Zeroizing<Vec<u8>>, Response> {
    match tokio::time::timeout(timeout, axum::body::to_bytes(body, MAX_BODY)).await {
        Err(_) => Err(problem(StatusCode::REQUEST_TIMEOUT, "BODY_TIMEOUT", "the request body was not sent in time")),
        Ok(Err(e)) if is_too_large(&e) => {
            Err(problem(StatusCode::PAYLOAD_TOO_LARGE, "BODY_TOO_LARGE", "the request body is larger than 16 KiB"))
        }
        Ok(Err(_)) => Err(problem(StatusCode::BAD_REQUEST, "BAD_BODY", "the request body could not be read")),
        Ok(Ok(bytes)) => Ok(zeroize::Zeroizing::new(Vec::from(bytes))),
    }
}

fn is_too_large(e: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = source {
        if s.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        source = s.source();
    }
    false
}

/// A 400 that says where the JSON went wrong, never what it said (the body has a key).
fn bad_json(e: &serde_json::Error) -> Response {
    use serde_json::error::Category;
    let what = match e.classify() {
        Category::Syntax | Category::Eof | Category::Io => "the body is not valid JSON",
        Category::Data => "the body is not the documented object (a string \"key\"; optional \"require\", \"client_ip\", \"cost\", \"record\"; no other fields)",
    };
    problem(StatusCode::BAD_REQUEST, "BAD_REQUEST", &format!("{what} (line {}, column {})", e.line(), e.column()))
}

fn bad_field(message: &str) -> Response {
    problem(StatusCode::BAD_REQUEST, "BAD_REQUEST", message)
}
