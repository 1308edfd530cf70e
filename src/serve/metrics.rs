//! The server's counters and their Prometheus text rendering (exposition format 0.0.4).
//! Plain atomics: counting never blocks a request, and no key or client value is ever a
//! label (labels are verdict codes and fixed bucket bounds only).

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Every verdict code a verify can answer, and the server's own INTEGRITY_ERROR.
pub const CODES: [&str; 14] = [
    "VALID",
    "MALFORMED",
    "NOT_FOUND",
    "REVOKED",
    "EXPIRED",
    "DISABLED",
    "PROJECT_ARCHIVED",
    "OWNER_REMOVED",
    "IP_NOT_ALLOWED",
    "USAGE_EXCEEDED",
    "RATE_LIMITED",
    "BUDGET_EXCEEDED",
    "INSUFFICIENT_PERMISSIONS",
    "INTEGRITY_ERROR",
];

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1.0];

#[derive(Default)]
pub struct Metrics {
    verifies: [AtomicU64; CODES.len()],
    unavailable: AtomicU64,
    buckets: [AtomicU64; BUCKETS.len()],
    latency_count: AtomicU64,
    latency_micros: AtomicU64,
    cache_hits: AtomicU64,
    cache_misses: AtomicU64,
    batches: AtomicU64,
    batched_requests: AtomicU64,
    flush_failures: AtomicU64,
}

impl Metrics {
    /// One answered verify (either route), by code, and how long it took.
    pub fn verified(&self, code: &str, took: Duration) {
        if let Some(i) = CODES.iter().position(|c| *c == code) {
            self.verifies[i].fetch_add(1, Ordering::Relaxed);
        }
        let secs = took.as_secs_f64();
        for (i, bound) in BUCKETS.iter().enumerate() {
            if secs <= *bound {
                self.buckets[i].fetch_add(1, Ordering::Relaxed);
            }
        }
        self.latency_count.fetch_add(1, Ordering::Relaxed);
        self.latency_micros.fetch_add(u64::try_from(took.as_micros()).unwrap_or(u64::MAX), Ordering::Relaxed);
    }

    /// A verify answered 503 because the store failed or the queue was full.
    pub fn unavailable(&self) {
        self.unavailable.fetch_add(1, Ordering::Relaxed);
    }

    pub fn cache(&self, hit: bool) {
        let c = if hit { &self.cache_hits } else { &self.cache_misses };
        c.fetch_add(1, Ordering::Relaxed);
    }

    /// One write transaction that answered `n` requests together.
    pub fn batch(&self, n: usize) {
        self.batches.fetch_add(1, Ordering::Relaxed);
        self.batched_requests.fetch_add(n as u64, Ordering::Relaxed);
    }

    pub fn flush_failed(&self) {
        self.flush_failures.fetch_add(1, Ordering::Relaxed);
    }

    /// The Prometheus text exposition of every metric.
    pub fn render(&self) -> String {
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        let mut out = String::with_capacity(4096);
        let _ = writeln!(out, "# HELP keyctl_verifies_total Verifies answered, by verdict code.");
        let _ = writeln!(out, "# TYPE keyctl_verifies_total counter");
        for (code, n) in CODES.iter().zip(&self.verifies) {
            let _ = writeln!(out, "keyctl_verifies_total{{code=\"{code}\"}} {}", get(n));
        }
        let _ =
            writeln!(out, "# HELP keyctl_verify_unavailable_total Verifies answered 503 (store failed or overloaded).");
        let _ = writeln!(out, "# TYPE keyctl_verify_unavailable_total counter");
        let _ = writeln!(out, "keyctl_verify_unavailable_total {}", get(&self.unavailable));
        let _ = writeln!(out, "# HELP keyctl_verify_duration_seconds Time from request to verdict.");
        let _ = writeln!(out, "# TYPE keyctl_verify_duration_seconds histogram");
        for (bound, n) in BUCKETS.iter().zip(&self.buckets) {
            let _ = writeln!(out, "keyctl_verify_duration_seconds_bucket{{le=\"{bound}\"}} {}", get(n));
        }
        let count = get(&self.latency_count);
        let _ = writeln!(out, "keyctl_verify_duration_seconds_bucket{{le=\"+Inf\"}} {count}");
        let _ = writeln!(out, "keyctl_verify_duration_seconds_sum {}", get(&self.latency_micros) as f64 / 1e6);
        let _ = writeln!(out, "keyctl_verify_duration_seconds_count {count}");
        for (name, help, value) in [
            ("keyctl_cache_hits_total", "Verifies refused from the refusal cache.", &self.cache_hits),
            ("keyctl_cache_misses_total", "Verifies that went to the store.", &self.cache_misses),
            ("keyctl_batched_writes_total", "Write transactions that answered several verifies.", &self.batches),
            ("keyctl_batched_requests_total", "Verifies answered in those transactions.", &self.batched_requests),
            ("keyctl_usage_flush_failures_total", "Failed writes of batched usage.", &self.flush_failures),
        ] {
            let _ = writeln!(out, "# HELP {name} {help}");
            let _ = writeln!(out, "# TYPE {name} counter");
            let _ = writeln!(out, "{name} {}", get(value));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_cumulative_and_codes_are_labels() {
        let m = Metrics::default();
        m.verified("VALID", Duration::from_micros(300));
        m.verified("REVOKED", Duration::from_secs(2));
        let text = m.render();
        assert!(text.contains("keyctl_verifies_total{code=\"VALID\"} 1\n"), "{text}");
        assert!(text.contains("keyctl_verify_duration_seconds_bucket{le=\"0.0005\"} 1\n"), "{text}");
        assert!(text.contains("keyctl_verify_duration_seconds_bucket{le=\"1\"} 1\n"), "{text}");
        assert!(text.contains("keyctl_verify_duration_seconds_bucket{le=\"+Inf\"} 2\n"), "{text}");
    }
}
