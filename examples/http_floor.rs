//! The HTTP floor for `bench/serve.sh`: the same stack as `keyctl serve` (axum on hyper and
//! tokio, HTTP/1, two worker threads) answering a constant 200 with a small JSON body, so the
//! benchmark can tell HTTP's own cost from keyctl's.
//!
//! Run: `cargo run --release --example http_floor -- 127.0.0.1:0` (prints the bound address).

use axum::routing::any;
use axum::Router;

fn main() -> std::io::Result<()> {
    let addr = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:0".to_owned());
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(&addr).await?;
        eprintln!("http_floor: listening on http://{}", listener.local_addr()?);
        let app = Router::new().fallback(any(|| async { r#"{"valid":true,"code":"VALID"}"# }));
        axum::serve(listener, app).await
    })
}
