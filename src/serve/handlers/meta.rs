//! `/metrics` (Prometheus text, behind the service token) and `/openapi.json`.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::{token_ok, unauthorized};
use crate::serve::{openapi, AppState};

pub async fn metrics(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    if !token_ok(&state, &headers, true) {
        return unauthorized();
    }
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"))],
        state.metrics.render(),
    )
        .into_response()
}

pub async fn openapi() -> Response {
    super::json_ok(openapi::document().into_bytes())
}
