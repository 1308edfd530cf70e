//! The route handlers, one file per route group, and what they share: error bodies, the
//! service-token check, and the refusal of keys in URLs. No error body ever echoes what the
//! client sent.

pub mod auth;
pub mod health;
pub mod meta;
pub mod verify;

use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

use super::AppState;
use crate::crypto::secrets_match;

/// A JSON error body: `{"error": CODE, "message": TEXT}`; the text never quotes the request.
pub fn problem(status: StatusCode, code: &'static str, message: &str) -> Response {
    let body = serde_json::json!({ "error": code, "message": message });
    (status, [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], body.to_string()).into_response()
}

/// A JSON body with status 200.
pub fn json_ok(body: Vec<u8>) -> Response {
    (StatusCode::OK, [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], body).into_response()
}

/// Keys don't belong in URLs (they end up in access logs and browser history), so no route
/// that takes a key accepts a query string at all.
pub fn refuse_query(uri: &Uri) -> Option<Response> {
    uri.query().map(|_| {
        problem(
            StatusCode::BAD_REQUEST,
            "QUERY_REFUSED",
            "this route takes no query string: send the key in the body or a header, never in the URL",
        )
    })
}

/// Whether the request carries the service token, when one is configured: in
/// `Authorization: Bearer` (`bearer`), or in `X-Keyctl-Token`.
pub fn token_ok(state: &AppState, headers: &HeaderMap, bearer: bool) -> bool {
    let Some(token) = &state.token else { return true };
    let presented = if bearer {
        headers.get(header::AUTHORIZATION).and_then(|v| bearer_token(v.as_bytes()))
    } else {
        headers.get("x-keyctl-token").map(HeaderValue::as_bytes)
    };
    presented.is_some_and(|p| secrets_match(p, token.expose_secret().as_bytes()))
}

/// The credentials of `Authorization: Bearer X` (the scheme is case-insensitive).
pub fn bearer_token(value: &[u8]) -> Option<&[u8]> {
    let (scheme, rest) = value.split_at_checked(7)?;
    scheme.eq_ignore_ascii_case(b"bearer ").then(|| rest.trim_ascii())
}

pub fn unauthorized() -> Response {
    let mut r = problem(StatusCode::UNAUTHORIZED, "SERVICE_TOKEN", "missing or wrong service token");
    r.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"keyctl\""));
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_scheme_is_case_insensitive_and_required() {
        assert_eq!(bearer_token(b"Bearer abc"), Some(&b"abc"[..]));
        assert_eq!(bearer_token(b"bearer  abc "), Some(&b"abc"[..]));
        assert_eq!(bearer_token(b"Basic abc"), None);
        assert_eq!(bearer_token(b"Bear"), None);
    }
}
