//! A closed-loop driver (each worker sends its next request when the last
//! one answered), latency percentiles, and the CPU time the generator and
//! the server spent, read from `/proc`, so that a run shows whether the
//! generator was the limit.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What a run measured.
#[derive(Debug, Default)]
pub struct Run {
    /// Per-request latencies, microseconds, sorted.
    pub latencies_us: Vec<u64>,
    /// Units of work done (requests, or bulk operations).
    pub units: u64,
    /// Requests or operations that failed.
    pub errors: u64,
    pub elapsed: Duration,
}

impl Run {
    pub fn rate(&self) -> f64 {
        self.units as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// The `p`th percentile latency in milliseconds (nearest rank).
    pub fn pct_ms(&self, p: f64) -> f64 {
        percentile_ms(&self.latencies_us, p)
    }
}

pub fn percentile_ms(sorted_us: &[u64], p: f64) -> f64 {
    if sorted_us.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted_us.len() as f64).ceil() as usize;
    let idx = rank.clamp(1, sorted_us.len()) - 1;
    sorted_us[idx] as f64 / 1000.0
}

/// When a run stops: after a time, or after a number of jobs.
#[derive(Debug, Clone, Copy)]
pub enum Until {
    Time(Duration),
    Jobs(u64),
}

/// Runs `job(job_index)` on `concurrency` workers until `until`. A job
/// returns `(units done, units failed)`.
pub async fn closed_loop<F, Fut>(concurrency: usize, until: Until, job: F) -> Run
where
    F: Fn(u64) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = (u64, u64)> + Send,
{
    let next = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let mut handles = Vec::with_capacity(concurrency);
    for _ in 0..concurrency {
        let next = next.clone();
        let job = job.clone();
        handles.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let (mut units, mut errors) = (0u64, 0u64);
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                let go = match until {
                    Until::Time(d) => start.elapsed() < d,
                    Until::Jobs(max) => n < max,
                };
                if !go {
                    break;
                }
                let t = Instant::now();
                let (u, e) = job(n).await;
                lat.push(t.elapsed().as_micros() as u64);
                units += u;
                errors += e;
            }
            (lat, units, errors)
        }));
    }
    let mut run = Run::default();
    for h in handles {
        if let Ok((lat, u, e)) = h.await {
            run.latencies_us.extend(lat);
            run.units += u;
            run.errors += e;
        }
    }
    run.elapsed = start.elapsed();
    run.latencies_us.sort_unstable();
    run
}

/// CPU seconds (user + system) a process has used so far.
pub fn cpu_seconds(pid: &str) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return f64::NAN;
    };
    // Fields after the `(comm)`, which may hold spaces: state is field 3,
    // utime 14, stime 15.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        f.get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(f64::NAN)
    };
    (ticks(11) + ticks(12)) / 100.0
}

/// CPU use of this process and of the server over a span, in % of one core.
#[derive(Debug)]
pub struct CpuMeter {
    server_pid: Option<String>,
    t0: Instant,
    client0: f64,
    server0: f64,
}

impl CpuMeter {
    pub fn start(server_pid: Option<&str>) -> Self {
        Self {
            server_pid: server_pid.map(str::to_owned),
            t0: Instant::now(),
            client0: cpu_seconds("self"),
            server0: server_pid.map_or(f64::NAN, cpu_seconds),
        }
    }

    /// `(client %, server %)` of one core since `start`.
    pub fn stop(&self) -> (f64, f64) {
        let wall = self.t0.elapsed().as_secs_f64().max(1e-9);
        let client = (cpu_seconds("self") - self.client0) / wall * 100.0;
        let server = self
            .server_pid
            .as_deref()
            .map_or(f64::NAN, |p| (cpu_seconds(p) - self.server0) / wall * 100.0);
        (client, server)
    }
}

/// The 1-minute load average.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".to_owned())
}

/// A percentage, or `–` when it was not measured.
pub fn pct(v: f64) -> String {
    if v.is_nan() {
        "–".to_owned()
    } else {
        format!("{v:.0}")
    }
}
