//! `/healthz` (the process answers) and `/readyz` (a verifier thread can read the store).

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use super::{json_ok, problem};
use crate::serve::AppState;

pub async fn healthz() -> Response {
    json_ok(br#"{"status":"ok"}"#.to_vec())
}

pub async fn readyz(State(state): State<Arc<AppState>>) -> Response {
    match state.pool.ping().await {
        Ok(()) => json_ok(br#"{"status":"ready"}"#.to_vec()),
        Err(_) => problem(StatusCode::SERVICE_UNAVAILABLE, "UNAVAILABLE", "the store cannot be read"),
    }
}
