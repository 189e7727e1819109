//! Cursor paging (draft-ietf-scim-cursor-pagination): walks every user with
//! `count` per page, timing each page by depth, then times `count=100`
//! pages that start at the beginning, the middle and the end, reusing the
//! cursors the walk handed out (a cursor holds a position, not a page size).

use std::time::Instant;

use reqwest::{Client, Url};
use serde_json::Value;

use crate::data::Probe;
use crate::load::{load_average, percentile_ms};
use crate::phases::{probe, query_row};
use crate::Common;

pub async fn walk(c: &Common, http: &Client, count: u64, probes: u64) -> anyhow::Result<()> {
    let url = Url::parse(&format!("{}/Users", c.base.trim_end_matches('/')))?;
    // cursors[k]: the cursor of page k (the empty one starts the walk).
    let mut cursors = vec![String::new()];
    let mut pages: Vec<(u64, u64)> = Vec::new(); // (users before this page, µs)
    let mut seen = 0u64;
    let started = Instant::now();
    loop {
        let mut u = url.clone();
        u.query_pairs_mut()
            .append_pair("cursor", cursors.last().map_or("", String::as_str))
            .append_pair("count", &count.to_string());
        let t = Instant::now();
        let resp = http.get(u).send().await?;
        let status = resp.status();
        let body = resp.bytes().await?;
        let us = t.elapsed().as_micros() as u64;
        anyhow::ensure!(
            status.is_success(),
            "page after {seen} users: {status} {}",
            String::from_utf8_lossy(&body)
        );
        let v: Value = serde_json::from_slice(&body)?;
        let n = v["Resources"].as_array().map_or(0, |a| a.len() as u64);
        pages.push((seen, us));
        seen += n;
        match v["nextCursor"].as_str() {
            Some(next) if n > 0 => cursors.push(next.to_owned()),
            _ => break,
        }
    }
    let wall = started.elapsed().as_secs_f64();
    // `| server | depth (users) | pages | p50 ms | p95 ms | max ms |`
    let buckets = 10u64;
    let span = seen.div_ceil(buckets).max(1);
    for b in 0..buckets {
        let mut lat: Vec<u64> = pages
            .iter()
            .filter(|(before, _)| before / span == b)
            .map(|(_, us)| *us)
            .collect();
        if lat.is_empty() {
            continue;
        }
        lat.sort_unstable();
        println!(
            "| {} | {}–{} | {} | {:.1} | {:.1} | {:.1} |",
            c.label,
            b * span,
            ((b + 1) * span).min(seen),
            lat.len(),
            percentile_ms(&lat, 50.0),
            percentile_ms(&lat, 95.0),
            percentile_ms(&lat, 100.0),
        );
    }
    println!(
        "| {} | whole walk: {seen} users, {} pages of {count} in {wall:.1} s ({:.0} users/s), load {} | | | | |",
        c.label,
        pages.len(),
        seen as f64 / wall,
        load_average(),
    );
    println!();
    println!("| server | users | query | probes | p50 ms | p95 ms | p99 ms | max ms | results/probe | failed | load |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    // Pages of 100 starting near three depths (a few neighbouring cursors).
    let last = cursors.len().saturating_sub(1);
    for (name, at) in [
        ("start", 0usize),
        ("middle", last / 2),
        ("end", last.saturating_sub(1)),
    ] {
        let mut rng = Probe::new(at as u64);
        let (mut lat, mut results, mut failed) = (Vec::new(), 0u64, 0u64);
        for _ in 0..probes {
            let k = (at + rng.below(3) as usize).min(last);
            let mut u = url.clone();
            u.query_pairs_mut()
                .append_pair("cursor", &cursors[k])
                .append_pair("count", "100");
            match probe(http, u).await {
                Some((us, n)) => {
                    lat.push(us);
                    results += n;
                }
                None => failed += 1,
            }
        }
        let depth = pages.get(at).map_or(0, |p| p.0);
        query_row(
            c,
            seen,
            &format!("cursor page, count=100, {name} (after ~{depth} users)"),
            &mut lat,
            results,
            failed,
        );
    }
    Ok(())
}
