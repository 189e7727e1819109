//! The write phases (create, bulk, seed), the generator's ceiling, and the
//! query probes. Each prints Markdown rows; `run.sh` prints the headers.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::{Client, StatusCode, Url};
use serde_json::Value;

use crate::data::{self, Probe};
use crate::load::{self, closed_loop, load_average, pct, CpuMeter, Run, Until};
use crate::Common;

/// How long one kind of query may be probed.
const PROBE_BUDGET: Duration = Duration::from_secs(60);

static REPORTED: AtomicBool = AtomicBool::new(false);

/// Prints the first failure of the run to stderr, for diagnosis.
fn report_once(what: &str, detail: &str) {
    if !REPORTED.swap(true, Ordering::Relaxed) {
        eprintln!(
            "first failure ({what}): {}",
            detail.chars().take(600).collect::<String>()
        );
    }
}

/// `| server | request | concurrency | requests | units/s | p50 | p95 | p99 | errors | client CPU % | server CPU % | load |`
fn throughput_row(c: &Common, request: &str, concurrency: usize, run: &Run, cpu: (f64, f64)) {
    println!(
        "| {} | {} | {} | {} | {:.0} | {:.2} | {:.2} | {:.2} | {} | {} | {} | {} |",
        c.label,
        request,
        concurrency,
        run.latencies_us.len(),
        run.rate(),
        run.pct_ms(50.0),
        run.pct_ms(95.0),
        run.pct_ms(99.0),
        run.errors,
        pct(cpu.0),
        pct(cpu.1),
        load_average(),
    );
}

pub async fn ceiling(
    c: &Common,
    http: &Client,
    concurrency: &[usize],
    seconds: u64,
) -> anyhow::Result<()> {
    let url = Url::parse(&c.base)?;
    for &conc in concurrency {
        let (http, url) = (http.clone(), url.clone());
        let cpu = CpuMeter::start(c.server_pid.as_deref());
        let run = closed_loop(conc, Until::Time(Duration::from_secs(seconds)), move |_| {
            let (http, url) = (http.clone(), url.clone());
            async move {
                match http.get(url).send().await {
                    Ok(r) if r.status().is_success() => (u64::from(r.bytes().await.is_ok()), 0),
                    _ => (0, 1),
                }
            }
        })
        .await;
        throughput_row(c, "GET /healthz", conc, &run, cpu.stop());
    }
    Ok(())
}

fn endpoint(c: &Common, path: &str) -> anyhow::Result<Url> {
    Ok(Url::parse(&format!(
        "{}/{path}",
        c.base.trim_end_matches('/')
    ))?)
}

pub async fn create(
    c: &Common,
    http: &Client,
    concurrency: &[usize],
    seconds: u64,
) -> anyhow::Result<()> {
    let url = endpoint(c, "Users")?;
    for (k, &conc) in concurrency.iter().enumerate() {
        // Each run creates users its own range of synthetic indices.
        let first = 10_000_000 * (k as u64 + 1);
        let (http, url) = (http.clone(), url.clone());
        let cpu = CpuMeter::start(c.server_pid.as_deref());
        let run = closed_loop(conc, Until::Time(Duration::from_secs(seconds)), move |n| {
            let (http, url) = (http.clone(), url.clone());
            async move {
                let body = data::user(first + n).to_string();
                match http.post(url).body(body).send().await {
                    Ok(r) if r.status() == StatusCode::CREATED => {
                        (u64::from(r.bytes().await.is_ok()), 0)
                    }
                    Ok(r) => {
                        let s = r.status();
                        report_once(
                            "POST /Users",
                            &format!("{s} {}", r.text().await.unwrap_or_default()),
                        );
                        (0, 1)
                    }
                    Err(e) => {
                        report_once("POST /Users", &e.to_string());
                        (0, 1)
                    }
                }
            }
        })
        .await;
        throughput_row(c, "POST /Users", conc, &run, cpu.stop());
    }
    Ok(())
}

/// Sends one bulk request creating users `from..to`; `(created, failed)`.
async fn bulk_once(http: &Client, url: Url, from: u64, to: u64) -> (u64, u64) {
    let body = data::bulk_create(from, to).to_string();
    let want = to - from;
    let resp = match http.post(url).body(body).send().await {
        Ok(r) => r,
        Err(e) => {
            report_once("POST /Bulk", &e.to_string());
            return (0, want);
        }
    };
    let status = resp.status();
    let text = resp.text().await.unwrap_or_default();
    if !status.is_success() {
        report_once("POST /Bulk", &format!("{status} {text}"));
        return (0, want);
    }
    let parsed: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    let ops = parsed["Operations"]
        .as_array()
        .map_or(&[][..], Vec::as_slice);
    let ok = ops
        .iter()
        .filter(|op| {
            let s = &op["status"];
            s.as_str()
                .map_or_else(|| s.as_u64() == Some(201), |v| v == "201")
        })
        .count() as u64;
    if ok < want {
        if let Some(bad) = ops
            .iter()
            .find(|op| op["status"] != "201" && op["status"] != 201)
        {
            report_once("POST /Bulk operation", &bad.to_string());
        }
    }
    (ok, want - ok)
}

pub async fn bulk(
    c: &Common,
    http: &Client,
    ops: u64,
    requests: u64,
    concurrency: &[usize],
    from: u64,
) -> anyhow::Result<()> {
    let url = endpoint(c, "Bulk")?;
    for (k, &conc) in concurrency.iter().enumerate() {
        let first = from + 1_000_000 * k as u64;
        let (http, url) = (http.clone(), url.clone());
        let cpu = CpuMeter::start(c.server_pid.as_deref());
        let run = closed_loop(conc, Until::Jobs(requests), move |n| {
            let (http, url) = (http.clone(), url.clone());
            async move {
                let start = first + n * ops;
                bulk_once(&http, url, start, start + ops).await
            }
        })
        .await;
        throughput_row(
            c,
            &format!("POST /Bulk ×{ops} (ops/s)"),
            conc,
            &run,
            cpu.stop(),
        );
    }
    Ok(())
}

/// `| server | users so far | users/s (this step) | users/s (since start) | errors | server CPU % | load |`
pub async fn seed(
    c: &Common,
    http: &Client,
    total: u64,
    ops: u64,
    concurrency: usize,
    from: u64,
    every: u64,
) -> anyhow::Result<()> {
    let url = endpoint(c, "Bulk")?;
    let start = Instant::now();
    let mut done = 0u64;
    let mut errors = 0u64;
    while done < total {
        let step = every.min(total - done);
        let step_from = from + done;
        let (http2, url2) = (http.clone(), url.clone());
        let jobs = step.div_ceil(ops);
        let cpu = CpuMeter::start(c.server_pid.as_deref());
        let run = closed_loop(concurrency, Until::Jobs(jobs), move |n| {
            let (http, url) = (http2.clone(), url2.clone());
            async move {
                let a = step_from + n * ops;
                let b = (a + ops).min(step_from + step);
                bulk_once(&http, url, a, b).await
            }
        })
        .await;
        let (_, server_cpu) = cpu.stop();
        done += step;
        errors += run.errors;
        println!(
            "| {} | {} | {:.0} | {:.0} | {} | {} | {} |",
            c.label,
            done,
            run.rate(),
            done as f64 / start.elapsed().as_secs_f64(),
            errors,
            pct(server_cpu),
            load_average(),
        );
    }
    eprintln!(
        "seeded {done} users in {:.1} s ({errors} errors)",
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

/// GETs `url`; `(latency µs, totalResults or the number of resources)`.
pub async fn probe(http: &Client, url: Url) -> Option<(u64, u64)> {
    let t = Instant::now();
    let resp = match http.get(url).send().await {
        Ok(r) => r,
        Err(e) => {
            report_once("GET", &e.to_string());
            return None;
        }
    };
    let status = resp.status();
    let body = resp.bytes().await.ok()?;
    let us = t.elapsed().as_micros() as u64;
    if !status.is_success() {
        report_once(
            "GET",
            &format!("{status} {}", String::from_utf8_lossy(&body)),
        );
        return None;
    }
    let v: Value = serde_json::from_slice(&body).ok()?;
    let n = v["totalResults"]
        .as_u64()
        .or_else(|| v["Resources"].as_array().map(|a| a.len() as u64))
        .unwrap_or(0);
    Some((us, n))
}

/// `| server | users | query | probes | p50 | p95 | p99 | max | results/probe | failed | load |`
pub fn query_row(
    c: &Common,
    total: u64,
    what: &str,
    lat_us: &mut [u64],
    results: u64,
    failed: u64,
) {
    lat_us.sort_unstable();
    let n = lat_us.len() as u64;
    println!(
        "| {} | {} | {} | {} | {:.2} | {:.2} | {:.2} | {:.2} | {:.1} | {} | {} |",
        c.label,
        total,
        what,
        n,
        load::percentile_ms(lat_us, 50.0),
        load::percentile_ms(lat_us, 95.0),
        load::percentile_ms(lat_us, 99.0),
        load::percentile_ms(lat_us, 100.0),
        results as f64 / n.max(1) as f64,
        failed,
        load_average(),
    );
}

/// Runs `probes` sequential GETs of /Users with the query `params(i)`.
async fn probes_of(
    c: &Common,
    http: &Client,
    total: u64,
    what: &str,
    probes: u64,
    params: impl Fn(&mut Probe) -> Vec<(&'static str, String)>,
) -> anyhow::Result<()> {
    let url = endpoint(c, "Users")?;
    let mut rng = Probe::new(0xBE7C);
    let (mut lat, mut results, mut failed) = (Vec::new(), 0u64, 0u64);
    let started = Instant::now();
    for _ in 0..probes {
        // A slow query is reported with fewer probes rather than stalling the run.
        if started.elapsed() > PROBE_BUDGET {
            break;
        }
        let mut u = url.clone();
        u.query_pairs_mut().extend_pairs(params(&mut rng));
        match probe(http, u).await {
            Some((us, n)) => {
                lat.push(us);
                results += n;
            }
            None => failed += 1,
        }
    }
    query_row(c, total, what, &mut lat, results, failed);
    Ok(())
}

pub async fn query(
    c: &Common,
    http: &Client,
    total: u64,
    probes: u64,
    count_probes: u64,
) -> anyhow::Result<()> {
    let http = Arc::new(http.clone());
    // Warm the connection and the server's caches a little.
    probes_of(c, &http, total, "warm-up: userName eq", 20, |r| {
        vec![(
            "filter",
            format!("userName eq \"{}\"", data::user_name(r.below(total))),
        )]
    })
    .await?;
    probes_of(c, &http, total, "userName eq", probes, |r| {
        vec![(
            "filter",
            format!("userName eq \"{}\"", data::user_name(r.below(total))),
        )]
    })
    .await?;
    probes_of(c, &http, total, "externalId eq", probes, |r| {
        vec![(
            "filter",
            format!("externalId eq \"{}\"", data::external_id(r.below(total))),
        )]
    })
    .await?;
    probes_of(c, &http, total, "emails.value eq", probes, |r| {
        vec![(
            "filter",
            format!("emails.value eq \"{}\"", data::email(r.below(total))),
        )]
    })
    .await?;
    probes_of(
        c,
        &http,
        total,
        "userName sw \"abc\", count=100",
        probes,
        |r| {
            let name = data::user_name(r.below(total));
            vec![
                ("filter", format!("userName sw \"{}\"", &name[..3])),
                ("count", "100".to_owned()),
            ]
        },
    )
    .await?;
    probes_of(
        c,
        &http,
        total,
        "count=0 (totalResults of all)",
        count_probes,
        |_| vec![("count", "0".to_owned())],
    )
    .await?;
    probes_of(
        c,
        &http,
        total,
        "userName sw \"a\", count=0",
        count_probes,
        |r| {
            let letter = char::from(b'a' + r.below(26) as u8);
            vec![
                ("filter", format!("userName sw \"{letter}\"")),
                ("count", "0".to_owned()),
            ]
        },
    )
    .await?;
    Ok(())
}
