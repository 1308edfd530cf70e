//! The library API a Rust server embeds: open the store once, verify in-process, with an
//! injected clock for time-dependent behaviour (the CLI has no clock override at all).

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use keyctl::domain::Clock;
use keyctl::{Duration, Expiry, InitOptions, KeyCreate, SecretString, Store, Unlock, VerifyCode, VerifyRequest};

struct TestClock(AtomicI64);

impl Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        Utc.timestamp_opt(self.0.load(Ordering::SeqCst), 0).single().unwrap()
    }
}

fn store_with_clock(dir: &std::path::Path, clock: Arc<TestClock>) -> (Store, String) {
    let path = dir.join("keyctl.db");
    let opts = InitOptions { kdf_iterations: 1000, ..InitOptions::default() };
    let (store, org) = Store::init(&path, &SecretString::from("library test"), &opts).unwrap();
    drop(store);
    let store = Store::open(&path, Unlock::passphrase("library test")).unwrap().with_clock(clock);
    (store, org.id)
}

#[test]
fn keys_expire_by_the_injected_clock() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(TestClock(AtomicI64::new(1_800_000_000)));
    let (store, org) = store_with_clock(dir.path(), clock.clone());
    let spec = KeyCreate { expiry: Expiry::After("1h".parse::<Duration>().unwrap()), ..KeyCreate::default() };
    let key = store.create_keys(&org, &spec).unwrap().remove(0);
    let secret = key.secret.expose_secret().to_owned();

    let mut verifier = store.verifier();
    assert_eq!(verifier.verify(&VerifyRequest::new(secret.as_str())).unwrap().code, VerifyCode::Valid);
    clock.0.fetch_add(3599, Ordering::SeqCst);
    assert_eq!(verifier.verify(&VerifyRequest::new(secret.as_str())).unwrap().code, VerifyCode::Valid);
    clock.0.fetch_add(1, Ordering::SeqCst);
    assert_eq!(verifier.verify(&VerifyRequest::new(secret.as_str())).unwrap().code, VerifyCode::Expired);
}

#[test]
fn rotation_grace_ends_by_the_injected_clock() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(TestClock(AtomicI64::new(1_800_000_000)));
    let (store, org) = store_with_clock(dir.path(), clock.clone());
    let old = store.create_keys(&org, &KeyCreate::default()).unwrap().remove(0);
    let (new, _) = store.rotate_key(&org, &old.info.id, "24h".parse().unwrap()).unwrap();
    let mut verifier = store.verifier();
    let check = |v: &mut keyctl::Verifier<'_>, k: &keyctl::NewKey| {
        v.verify(&VerifyRequest::new(k.secret.expose_secret()).no_record()).unwrap().code
    };
    assert_eq!(check(&mut verifier, &old), VerifyCode::Valid);
    clock.0.fetch_add(24 * 3600, Ordering::SeqCst);
    assert_eq!(check(&mut verifier, &old), VerifyCode::Revoked);
    assert_eq!(check(&mut verifier, &new), VerifyCode::Valid);
}

#[test]
fn a_batch_counts_limits_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(TestClock(AtomicI64::new(1_800_000_000)));
    let (store, org) = store_with_clock(dir.path(), clock);
    let spec = KeyCreate { limits: keyctl::KeyLimits { rpm: Some(3), ..Default::default() }, ..KeyCreate::default() };
    let key = store.create_keys(&org, &spec).unwrap().remove(0);
    let requests: Vec<VerifyRequest> = (0..5).map(|_| VerifyRequest::new(key.secret.expose_secret())).collect();
    let codes: Vec<VerifyCode> =
        store.batched_verifier().verify_batch(&requests).unwrap().into_iter().map(|r| r.unwrap().code).collect();
    assert_eq!(
        codes,
        [VerifyCode::Valid, VerifyCode::Valid, VerifyCode::Valid, VerifyCode::RateLimited, VerifyCode::RateLimited]
    );
}
