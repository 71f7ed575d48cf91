//! Prometheus metrics kept in-process: request counts and latency by route, job outcomes.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::Duration;

/// Latency bucket upper bounds in seconds.
const BUCKETS: [f64; 12] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

#[derive(Default, Clone)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    sum: f64,
    count: u64,
}

impl Histogram {
    fn observe(&mut self, secs: f64) {
        for (i, b) in BUCKETS.iter().enumerate() {
            if secs <= *b {
                self.counts[i] += 1;
            }
        }
        self.sum += secs;
        self.count += 1;
    }
}

/// The process's metrics registry.
#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, String, u16), u64>>,
    latency: Mutex<BTreeMap<(String, String), Histogram>>,
    jobs: Mutex<BTreeMap<(String, &'static str), Histogram>>,
}

impl Metrics {
    /// Record one HTTP request by method, route pattern and status.
    pub fn observe_request(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        if let Ok(mut m) = self.requests.lock() {
            *m.entry((method.to_string(), route.to_string(), status)).or_default() += 1;
        }
        if let Ok(mut m) = self.latency.lock() {
            m.entry((method.to_string(), route.to_string())).or_default().observe(elapsed.as_secs_f64());
        }
    }

    /// Record one job run.
    pub fn observe_job(&self, kind: &str, ok: bool, elapsed: Duration) {
        if let Ok(mut m) = self.jobs.lock() {
            let outcome = if ok { "ok" } else { "error" };
            m.entry((kind.to_string(), outcome)).or_default().observe(elapsed.as_secs_f64());
        }
    }

    /// Render the text exposition format, with gauges supplied by the caller.
    pub fn render(&self, queue_depth: &[(String, i64)], pool: (u32, u32, u32)) -> String {
        let mut out = String::new();
        out.push_str("# HELP meridian_http_requests_total HTTP requests by method, route and status.\n");
        out.push_str("# TYPE meridian_http_requests_total counter\n");
        if let Ok(m) = self.requests.lock() {
            for ((method, route, status), n) in m.iter() {
                let _ = writeln!(
                    out,
                    "meridian_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{status}\"}} {n}",
                    esc(method),
                    esc(route)
                );
            }
        }
        out.push_str("# HELP meridian_http_request_duration_seconds HTTP request latency by route.\n");
        out.push_str("# TYPE meridian_http_request_duration_seconds histogram\n");
        if let Ok(m) = self.latency.lock() {
            for ((method, route), h) in m.iter() {
                let labels = format!("method=\"{}\",route=\"{}\"", esc(method), esc(route));
                write_histogram(&mut out, "meridian_http_request_duration_seconds", &labels, h);
            }
        }
        out.push_str("# HELP meridian_job_duration_seconds Job handler runs by kind and outcome.\n");
        out.push_str("# TYPE meridian_job_duration_seconds histogram\n");
        if let Ok(m) = self.jobs.lock() {
            for ((kind, outcome), h) in m.iter() {
                let labels = format!("kind=\"{}\",outcome=\"{outcome}\"", esc(kind));
                write_histogram(&mut out, "meridian_job_duration_seconds", &labels, h);
            }
        }
        out.push_str("# HELP meridian_jobs Jobs in the queue by state.\n# TYPE meridian_jobs gauge\n");
        for state in ["queued", "running", "done", "dead"] {
            let n = queue_depth.iter().find(|(s, _)| s == state).map(|(_, n)| *n).unwrap_or(0);
            let _ = writeln!(out, "meridian_jobs{{state=\"{state}\"}} {n}");
        }
        let (open, idle, max) = pool;
        out.push_str("# HELP meridian_db_pool_connections Database pool connections.\n");
        out.push_str("# TYPE meridian_db_pool_connections gauge\n");
        let _ = writeln!(out, "meridian_db_pool_connections{{state=\"open\"}} {open}");
        let _ = writeln!(out, "meridian_db_pool_connections{{state=\"idle\"}} {idle}");
        let _ = writeln!(out, "meridian_db_pool_connections{{state=\"in_use\"}} {}", open.saturating_sub(idle));
        let _ = writeln!(out, "meridian_db_pool_connections{{state=\"max\"}} {max}");
        out
    }
}

/// Counters of a group-commit path: how many batches and items it wrote (their ratio is the
/// mean batch size).
pub fn render_batches(paths: &[(&str, u64, u64)]) -> String {
    let mut out = String::new();
    out.push_str("# HELP meridian_write_batches_total Group-commit transactions by write path.\n");
    out.push_str("# TYPE meridian_write_batches_total counter\n");
    for (path, batches, _) in paths {
        let _ = writeln!(out, "meridian_write_batches_total{{path=\"{}\"}} {batches}", esc(path));
    }
    out.push_str("# HELP meridian_write_batch_items_total Writes carried by those transactions.\n");
    out.push_str("# TYPE meridian_write_batch_items_total counter\n");
    for (path, _, items) in paths {
        let _ = writeln!(out, "meridian_write_batch_items_total{{path=\"{}\"}} {items}", esc(path));
    }
    out
}

/// The SQLite write-ahead log's size and the checkpoints that bound it (see `db::wal`).
pub fn render_wal(bytes: u64, stats: &crate::db::wal::WalStats) -> String {
    use std::sync::atomic::Ordering::Relaxed;
    let mut out = String::new();
    out.push_str("# HELP meridian_sqlite_wal_bytes Size of the SQLite write-ahead log file.\n");
    out.push_str("# TYPE meridian_sqlite_wal_bytes gauge\n");
    let _ = writeln!(out, "meridian_sqlite_wal_bytes {bytes}");
    out.push_str("# HELP meridian_sqlite_wal_checkpoints_total Truncating WAL checkpoints by result.\n");
    out.push_str("# TYPE meridian_sqlite_wal_checkpoints_total counter\n");
    let _ = writeln!(
        out,
        "meridian_sqlite_wal_checkpoints_total{{result=\"completed\"}} {}",
        stats.completed.load(Relaxed)
    );
    let _ = writeln!(out, "meridian_sqlite_wal_checkpoints_total{{result=\"busy\"}} {}", stats.busy.load(Relaxed));
    out.push_str("# HELP meridian_sqlite_wal_checkpointed_frames_total Frames copied into the database by them.\n");
    out.push_str("# TYPE meridian_sqlite_wal_checkpointed_frames_total counter\n");
    let _ = writeln!(out, "meridian_sqlite_wal_checkpointed_frames_total {}", stats.frames.load(Relaxed));
    out
}

fn write_histogram(out: &mut String, name: &str, labels: &str, h: &Histogram) {
    for (i, b) in BUCKETS.iter().enumerate() {
        let _ = writeln!(out, "{name}_bucket{{{labels},le=\"{b}\"}} {}", h.counts[i]);
    }
    let _ = writeln!(out, "{name}_bucket{{{labels},le=\"+Inf\"}} {}", h.count);
    let _ = writeln!(out, "{name}_sum{{{labels}}} {}", h.sum);
    let _ = writeln!(out, "{name}_count{{{labels}}} {}", h.count);
}

fn esc(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}
