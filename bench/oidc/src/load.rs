//! The closed-loop load runner: `concurrency` workers, each on its own
//! keep-alive connection, send their next request as soon as the last one
//! answered. After a warm-up, the run is cut into `runs` equal windows; each
//! window gives a rate, and the median and spread of those rates are
//! reported with the latency percentiles of all windows together (HDR
//! histograms, microseconds) and the CPU time the server and the driver
//! spent (from `/proc`), so that a row shows whether the driver was the
//! limit.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;

use crate::conn::Conn;
use crate::scenario::Worker;

/// How a load is run.
#[derive(Debug, Clone)]
pub struct Plan {
    pub concurrency: usize,
    pub warmup: Duration,
    pub window: Duration,
    pub runs: usize,
}

/// What one worker measured, per window (index 0 is the warm-up).
struct Tally {
    hist: Vec<Histogram<u64>>,
    ok: Vec<u64>,
    errors: Vec<u64>,
    first_error: Option<String>,
}

/// The figures of one load.
#[derive(Debug)]
pub struct Figures {
    /// Successes per second in each measured window.
    pub rates: Vec<f64>,
    pub hist: Histogram<u64>,
    pub errors: u64,
    pub first_error: Option<String>,
    pub server_cpu_pct: Option<f64>,
    pub client_cpu_pct: Option<f64>,
}

impl Figures {
    pub fn median(&self) -> f64 {
        let mut r = self.rates.clone();
        r.sort_by(f64::total_cmp);
        match r.len() {
            0 => f64::NAN,
            n if n % 2 == 1 => r[n / 2],
            n => (r[n / 2 - 1] + r[n / 2]) / 2.0,
        }
    }

    pub fn min(&self) -> f64 {
        self.rates.iter().copied().fold(f64::INFINITY, f64::min)
    }

    pub fn max(&self) -> f64 {
        self.rates.iter().copied().fold(f64::NEG_INFINITY, f64::max)
    }

    /// The `q`th quantile latency in milliseconds.
    pub fn ms(&self, q: f64) -> f64 {
        if self.hist.is_empty() {
            return f64::NAN;
        }
        self.hist.value_at_quantile(q) as f64 / 1000.0
    }
}

fn new_hist() -> anyhow::Result<Histogram<u64>> {
    // 1 µs to 60 s, 3 significant digits.
    Ok(Histogram::new_with_bounds(1, 60_000_000, 3)?)
}

/// CPU time (user + system) of a process so far, in seconds.
pub fn cpu_seconds(pid: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name, which is in parentheses.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    // USER_HZ is 100 on Linux.
    Some((utime + stime) / 100.0)
}

/// Runs `plan` with one `make_worker(i)` per connection.
pub async fn run<W, F>(
    addr: SocketAddr,
    plan: &Plan,
    server_pid: Option<&str>,
    make_worker: F,
) -> anyhow::Result<Figures>
where
    W: Worker + Send + 'static,
    F: Fn(usize) -> W,
{
    let windows = plan.runs + 1;
    let window = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let mut handles = Vec::with_capacity(plan.concurrency);
    for i in 0..plan.concurrency {
        let mut worker = make_worker(i);
        let window = window.clone();
        let stop = stop.clone();
        let mut tally = Tally {
            hist: (0..windows)
                .map(|_| new_hist())
                .collect::<anyhow::Result<_>>()?,
            ok: vec![0; windows],
            errors: vec![0; windows],
            first_error: None,
        };
        handles.push(tokio::spawn(async move {
            let mut conn = Conn::new(addr);
            while !stop.load(Ordering::Relaxed) {
                let started = Instant::now();
                let outcome = worker.step(&mut conn).await;
                let w = window.load(Ordering::Relaxed);
                if stop.load(Ordering::Relaxed) || w >= windows {
                    break;
                }
                match outcome {
                    Ok(()) => {
                        let us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
                        tally.hist[w].saturating_record(us.max(1));
                        tally.ok[w] += 1;
                    }
                    Err(e) => {
                        tally.errors[w] += 1;
                        if tally.first_error.is_none() {
                            tally.first_error = Some(format!("{e:#}"));
                        }
                        // Do not spin on a refusing server.
                        tokio::time::sleep(Duration::from_millis(1)).await;
                    }
                }
            }
            tally
        }));
    }
    tokio::time::sleep(plan.warmup).await;
    let mut starts = Vec::with_capacity(windows);
    let server_before = server_pid.and_then(cpu_seconds);
    let client_before = cpu_seconds("self");
    let measured = Instant::now();
    for w in 1..windows {
        window.store(w, Ordering::Relaxed);
        starts.push(Instant::now());
        tokio::time::sleep(plan.window).await;
    }
    stop.store(true, Ordering::Relaxed);
    window.store(windows, Ordering::Relaxed);
    let end = Instant::now();
    let wall = measured.elapsed().as_secs_f64();
    let server_cpu_pct = match (server_before, server_pid.and_then(cpu_seconds)) {
        (Some(a), Some(b)) => Some((b - a) / wall * 100.0),
        _ => None,
    };
    let client_cpu_pct = match (client_before, cpu_seconds("self")) {
        (Some(a), Some(b)) => Some((b - a) / wall * 100.0),
        _ => None,
    };
    let mut hist = new_hist()?;
    let mut ok = vec![0u64; windows];
    let mut errors = 0;
    let mut first_error = None;
    for h in handles {
        // A worker stuck on a request that never answers is left behind.
        let Ok(Ok(t)) = tokio::time::timeout(Duration::from_secs(10), h).await else {
            continue;
        };
        // Window 0 (the warm-up) is not counted.
        for ((h, n), slot) in t.hist.iter().zip(&t.ok).zip(ok.iter_mut()).skip(1) {
            hist.add(h)?;
            *slot += n;
        }
        errors += t.errors.iter().skip(1).sum::<u64>();
        if first_error.is_none() {
            first_error = t.first_error;
        }
    }
    let rates = starts
        .iter()
        .enumerate()
        .map(|(i, start)| {
            let until = starts.get(i + 1).copied().unwrap_or(end);
            let secs = until.duration_since(*start).as_secs_f64().max(1e-9);
            ok[i + 1] as f64 / secs
        })
        .collect();
    Ok(Figures {
        rates,
        hist,
        errors,
        first_error,
        server_cpu_pct,
        client_cpu_pct,
    })
}
