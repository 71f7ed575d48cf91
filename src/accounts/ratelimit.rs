//! Per-token API rate limits: token buckets in each process, kept in step across processes by
//! reports of use (the server exchanges them on the live channel).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use crate::error::{AppError, AppResult};

/// Per-token token buckets. With several processes on one database, each process tells the others
/// what its tokens used (over the live channel, within ~50 ms) and drains its own buckets by what
/// they report, so a token's rate holds across the cluster rather than per process.
pub struct RateLimiter {
    per_minute: f64,
    buckets: Mutex<HashMap<String, Bucket>>,
    /// Whether other processes exist to report use to.
    reporting: std::sync::atomic::AtomicBool,
}

/// One token's budget here, and what of it was used here since the last report.
struct Bucket {
    tokens: f64,
    last: Instant,
    unreported: u32,
}

impl RateLimiter {
    /// `per_minute` requests per token, with a burst of the same size.
    pub fn new(per_minute: u32) -> Self {
        RateLimiter {
            per_minute: per_minute.max(1) as f64,
            buckets: Mutex::new(HashMap::new()),
            reporting: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// Start keeping account of use for the other processes.
    pub fn enable_reports(&self) {
        self.reporting.store(true, std::sync::atomic::Ordering::Relaxed);
    }

    fn full(&self) -> Bucket {
        Bucket { tokens: self.per_minute, last: Instant::now(), unreported: 0 }
    }

    /// Take one request from the token's bucket, or say how long to wait.
    pub fn check(&self, token_id: &str) -> AppResult<()> {
        let mut b = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        let rate = self.per_minute / 60.0;
        let bucket = b.entry(token_id.to_string()).or_insert_with(|| self.full());
        bucket.tokens = (bucket.tokens + now.duration_since(bucket.last).as_secs_f64() * rate).min(self.per_minute);
        bucket.last = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            bucket.unreported = bucket.unreported.saturating_add(1);
            Ok(())
        } else {
            let wait = ((1.0 - bucket.tokens) / rate).ceil().max(1.0) as u64;
            Err(AppError::TooManyRequests { retry_after_secs: wait })
        }
    }

    /// Use since the last call, for the other processes, in chunks of at most 100 tokens (to stay
    /// well inside a notification's size limit).
    pub fn take_reports(&self) -> Vec<HashMap<String, u32>> {
        if !self.reporting.load(std::sync::atomic::Ordering::Relaxed) {
            return vec![];
        }
        let used: Vec<(String, u32)> = self
            .buckets
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter_mut()
            .filter(|(_, bucket)| bucket.unreported > 0)
            .map(|(token, bucket)| (token.clone(), std::mem::take(&mut bucket.unreported)))
            .collect();
        used.chunks(100).map(|chunk| chunk.iter().cloned().collect()).collect()
    }

    /// Drain our buckets by what another process reported its tokens used.
    pub fn apply_report(&self, used: HashMap<String, u32>) {
        let mut b = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        for (token, n) in used {
            let bucket = b.entry(token).or_insert_with(|| self.full());
            // Not below empty: what others used beyond our view of the bucket is not owed twice.
            bucket.tokens = (bucket.tokens - n as f64).max(0.0);
        }
    }
}
