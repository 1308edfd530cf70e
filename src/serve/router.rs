//! Every route of `keyctl serve` in one place (spec section 9). Unknown paths answer a JSON
//! 404; a known path with another method, 405.

use std::sync::Arc;

use axum::http::StatusCode;
use axum::routing::{any, get, post};
use axum::Router;

use super::handlers::{auth, health, meta, problem, verify};
use super::AppState;

pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/v1/keys/verify", post(verify::verify))
        // Any method, and any path below: Envoy's ext_authz appends the original request's
        // path and keeps its method.
        .route("/v1/auth", any(auth::auth))
        .route("/v1/auth/{*rest}", any(auth::auth))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(meta::metrics))
        .route("/openapi.json", get(meta::openapi))
        .fallback(|| async { problem(StatusCode::NOT_FOUND, "NOT_FOUND", "no such route; see /openapi.json") })
        .with_state(state)
}
