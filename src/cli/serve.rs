//! `keyctl serve`: builds the server's settings from the command line and environment and
//! hands them to the library's `serve` module. Nothing of HTTP lives here.

use std::net::SocketAddr;
use std::sync::Arc;

use clap::Args;
use keyctl::crypto::SecretBytes;
use keyctl::{Duration, Error, Result, SecretString, Store, Unlock, UnlockedKey};

use super::{clock, Ctx};

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The address to listen on (port 0 picks a free one; the startup line says which)
    #[arg(long, value_name = "ADDR", default_value = keyctl::serve::DEFAULT_LISTEN)]
    pub listen: SocketAddr,
    /// How long a final refusal (revoked key, unknown key) is remembered; 0s turns it off.
    /// Admissions are never cached.
    #[arg(long, value_name = "DURATION", default_value = "10s")]
    pub cache_ttl: Duration,
    /// Verifier threads, each with its own store connection
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=16))]
    pub verifiers: u16,
    /// How long a client may take to send its request headers, and then its body
    #[arg(long, value_name = "DURATION", default_value = "10s")]
    pub client_timeout: Duration,
    /// Also stop (gracefully) when standard input closes: for supervisors and tests that
    /// hold a pipe to the server
    #[arg(long, hide = true)]
    pub stop_on_stdin_eof: bool,
}

pub fn run(ctx: &Ctx, args: ServeArgs) -> Result<()> {
    ctx.require_store()?;
    let token = match std::env::var("KEYCTL_SERVE_TOKEN") {
        Ok(t) => Some(SecretString::new(t)),
        Err(std::env::VarError::NotPresent) => None,
        Err(std::env::VarError::NotUnicode(_)) => {
            return Err(Error::Usage("KEYCTL_SERVE_TOKEN is not valid UTF-8".into()));
        }
    };
    // Unlock once, with every secret source (environment, agent, prompt); each verifier
    // thread then opens its own store with the unwrapped data key, checked again there.
    let first = ctx.open()?;
    let unlocked = first.unlocked_key();
    drop(first);
    let (location, max_ttl) = (ctx.store.clone(), ctx.config.max_ttl());
    let open: keyctl::serve::Opener = Arc::new(move || {
        let key = UnlockedKey::new(SecretBytes::new(*unlocked.expose_secret()), unlocked.actor());
        Ok(Store::open(location.clone(), Unlock::Unlocked(key))?.with_max_ttl(max_ttl).with_clock(clock()))
    });
    keyctl::serve::run(keyctl::serve::Settings {
        listen: args.listen,
        token,
        cache_ttl: seconds(args.cache_ttl),
        verifiers: usize::from(args.verifiers),
        store_label: ctx.store.to_string(),
        backend: ctx.store.backend(),
        open,
        clock: clock(),
        client_timeout: seconds(args.client_timeout).max(std::time::Duration::from_secs(1)),
        stop_on_stdin_eof: args.stop_on_stdin_eof,
    })
}

fn seconds(d: Duration) -> std::time::Duration {
    std::time::Duration::from_secs(u64::try_from(d.seconds()).unwrap_or(0))
}
