//! Verify API keys in-process with the keyctl library: unlock the store once, then check
//! each key without starting a process. Keys are read one per line from stdin here; a
//! server would call `verifier.verify` from its request handler.
//!
//!     KEYCTL_STORE=... KEYCTL_STORE_KEY=keyctl-sk-... \
//!         cargo run --example verify_in_process < keys.txt

use std::io::BufRead;

use keyctl::{Error, Scope, Store, StoreLocation, Unlock, VerifyRequest};

fn main() -> Result<(), Error> {
    let location = std::env::var("KEYCTL_STORE").map_err(|_| Error::invalid("set KEYCTL_STORE"))?;
    let secret = std::env::var("KEYCTL_STORE_KEY").map_err(|_| Error::invalid("set KEYCTL_STORE_KEY"))?;
    // A path or a postgres:// URL, as the CLI reads it.
    let store = Store::open(StoreLocation::parse(&location)?, Unlock::store_key(secret))?;
    // Uses of keys without limits are written in batches; limited keys are counted at once.
    let mut verifier = store.batched_verifier();
    let models_read: Scope = "models:read".parse()?;
    for line in std::io::stdin().lock().lines() {
        let key = line.map_err(|e| Error::io("cannot read stdin", e))?;
        let outcome = verifier.verify(&VerifyRequest::new(key).require(models_read.clone()))?;
        match outcome.key.filter(|_| outcome.valid) {
            Some(k) => println!("allow {} remaining {:?}", k.key_id, k.ratelimit.map(|r| r.remaining)),
            None => println!("deny {}", outcome.code.as_str()),
        }
    }
    verifier.flush()
}
