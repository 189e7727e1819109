//! Measurements that are not an HTTP load: argon2id hashes per second at
//! the hub's parameters, and the server's memory with many open
//! connections.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use argon2::password_hash::{PasswordHasher as _, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use hdrhistogram::Histogram;
use hyper::header::HOST;

use crate::conn::Conn;
use crate::load::{cpu_seconds, Figures, Plan};

/// `plan.concurrency` OS threads hash a password in a loop; each window
/// gives a rate (hashes/s), as a load does.
pub async fn argon2(plan: &Plan, m: u32, t: u32, p: u32) -> anyhow::Result<Figures> {
    let params = Params::new(m, t, p, None).map_err(|e| anyhow::anyhow!("argon2 params: {e}"))?;
    let done = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let mut threads = Vec::new();
    for _ in 0..plan.concurrency {
        let (done, stop, params) = (done.clone(), stop.clone(), params.clone());
        threads.push(std::thread::spawn(
            move || -> anyhow::Result<Histogram<u64>> {
                let hasher = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
                let mut hist = Histogram::new_with_bounds(1, 60_000_000, 3)?;
                let salt = SaltString::generate(&mut rand::rngs::OsRng);
                while !stop.load(Ordering::Relaxed) {
                    let started = Instant::now();
                    hasher
                        .hash_password(b"correct horse battery staple", &salt)
                        .map_err(|e| anyhow::anyhow!("argon2: {e}"))?;
                    hist.saturating_record(
                        u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
                    );
                    done.fetch_add(1, Ordering::Relaxed);
                }
                Ok(hist)
            },
        ));
    }
    tokio::time::sleep(plan.warmup).await;
    let cpu_before = cpu_seconds("self");
    let measured = Instant::now();
    let mut rates = Vec::new();
    for _ in 0..plan.runs {
        let (start, before) = (Instant::now(), done.load(Ordering::Relaxed));
        tokio::time::sleep(plan.window).await;
        let n = done.load(Ordering::Relaxed) - before;
        rates.push(n as f64 / start.elapsed().as_secs_f64());
    }
    let wall = measured.elapsed().as_secs_f64();
    let client_cpu_pct = match (cpu_before, cpu_seconds("self")) {
        (Some(a), Some(b)) => Some((b - a) / wall * 100.0),
        _ => None,
    };
    stop.store(true, Ordering::Relaxed);
    let mut hist = Histogram::new_with_bounds(1, 60_000_000, 3)?;
    for th in threads {
        if let Ok(Ok(h)) = th.join() {
            hist.add(&h)?;
        }
    }
    Ok(Figures {
        rates,
        hist,
        errors: 0,
        first_error: None,
        server_cpu_pct: None,
        client_cpu_pct,
    })
}

fn rss_mib(pid: &str) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib / 1024.0)
}

/// Prints `| label | idle RSS | connections | RSS with them | opened |`.
pub async fn connections(
    label: &str,
    url: &str,
    count: usize,
    pid: Option<&str>,
) -> anyhow::Result<()> {
    let (host, path) = crate::split_url(url)?;
    let addr = crate::resolve(&host)?;
    let idle = pid.and_then(rss_mib);
    let mut conns = Vec::with_capacity(count);
    let mut opened = 0;
    for _ in 0..count {
        let mut conn = Conn::new(addr);
        let req = hyper::Request::get(&path)
            .header(HOST, &host)
            .body(http_body_util::Full::new(bytes::Bytes::new()))?;
        if conn.send(req).await.is_ok_and(|a| a.status.is_success()) {
            opened += 1;
        }
        conns.push(conn);
    }
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let with = pid.and_then(rss_mib);
    let f = |v: Option<f64>| v.map_or_else(|| "–".to_owned(), |v| format!("{v:.1}"));
    println!(
        "| {label} | {} | {count} | {} | {opened} |",
        f(idle),
        f(with)
    );
    drop(conns);
    Ok(())
}

/// Prints one row per operation: `| operation | label | ops/s | p50 µs | p99 µs |`.
pub fn jose(label: &str, iterations: u32) -> anyhow::Result<()> {
    use usso_oidc::jose::{self, Algorithm, JwkSet, SigningKey};
    let key = SigningKey::generate(Algorithm::Es256, "bench".to_owned())?;
    let der = key.to_pkcs8_der()?;
    let jwks = JwkSet {
        keys: vec![key.public_jwk()],
    };
    // The claims of a client_credentials access token (RFC 9068).
    let claims = serde_json::json!({
        "iss": "http://127.0.0.1:8080/t/bench",
        "sub": "01a22d31-b0ea-7626-be98-7815046e6a19",
        "aud": "https://api.bench.example",
        "client_id": "01a22d31-b0ea-7626-be98-7815046e6a19",
        "scope": "api:read",
        "jti": "01a22d31-b0ea-7626-be98-7815046e6a19.abcdefghijklmnop",
        "iat": 1_796_052_879,
        "exp": 1_796_053_179,
    });
    let token = key.sign(Some("at+jwt"), &claims)?;
    let row = |name: &str, op: &mut dyn FnMut() -> anyhow::Result<()>| -> anyhow::Result<()> {
        let mut hist = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3)?;
        for _ in 0..iterations / 10 {
            op()?;
        }
        let started = Instant::now();
        for _ in 0..iterations {
            let t = Instant::now();
            op()?;
            hist.saturating_record(
                u64::try_from(t.elapsed().as_micros())
                    .unwrap_or(u64::MAX)
                    .max(1),
            );
        }
        let rate = f64::from(iterations) / started.elapsed().as_secs_f64();
        println!(
            "| {name} | {label} | {rate:.0} | {} | {} |",
            hist.value_at_quantile(0.5),
            hist.value_at_quantile(0.99)
        );
        Ok(())
    };
    row("open the ES256 key (PKCS#8 → SigningKey)", &mut || {
        SigningKey::from_pkcs8_der(Algorithm::Es256, "bench".to_owned(), &der)?;
        Ok(())
    })?;
    row("sign an access token (key already open)", &mut || {
        key.sign(Some("at+jwt"), &claims)?;
        Ok(())
    })?;
    row(
        "open + sign (each grant before keys were cached)",
        &mut || {
            SigningKey::from_pkcs8_der(Algorithm::Es256, "bench".to_owned(), &der)?
                .sign(Some("at+jwt"), &claims)?;
            Ok(())
        },
    )?;
    row("verify an access token (JWKS cached)", &mut || {
        jose::verify(&token, &jwks, &[Algorithm::Es256])?;
        Ok(())
    })?;
    // The ID token of a code or refresh grant is RS256 by default.
    let rsa = SigningKey::generate(Algorithm::Rs256, "bench-rs".to_owned())?;
    let rsa_der = rsa.to_pkcs8_der()?;
    row("RS256: open the key (PKCS#8, validated)", &mut || {
        SigningKey::from_pkcs8_der(Algorithm::Rs256, "bench-rs".to_owned(), &rsa_der)?;
        Ok(())
    })?;
    row("RS256: sign an ID token (key already open)", &mut || {
        rsa.sign(None, &claims)?;
        Ok(())
    })?;
    Ok(())
}
