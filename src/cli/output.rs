//! Printing results: one JSON document on stdout with `--json`, a short
//! human line otherwise.

use std::io::Write;

use serde::Serialize;

/// Prints `value` as JSON (one document, one line) on stdout.
pub fn json<T: Serialize>(value: &T) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer(&mut out, value)?;
    writeln!(out)?;
    Ok(())
}

/// Prints `value` as JSON, or `human` when `--json` was not given.
pub fn emit<T: Serialize>(
    as_json: bool,
    value: &T,
    human: impl FnOnce() -> String,
) -> anyhow::Result<()> {
    if as_json {
        json(value)
    } else {
        println!("{}", human());
        Ok(())
    }
}

/// Writes a JSON array item by item, so that long lists stream.
pub struct JsonArray<W: Write> {
    out: W,
    first: bool,
}

impl<W: Write> JsonArray<W> {
    pub fn start(mut out: W) -> anyhow::Result<Self> {
        out.write_all(b"[")?;
        Ok(Self { out, first: true })
    }

    pub fn item<T: Serialize>(&mut self, value: &T) -> anyhow::Result<()> {
        if !self.first {
            self.out.write_all(b",")?;
        }
        self.first = false;
        serde_json::to_writer(&mut self.out, value)?;
        Ok(())
    }

    pub fn finish(mut self) -> anyhow::Result<()> {
        self.out.write_all(b"]\n")?;
        self.out.flush()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrays_are_valid_json() {
        let mut buf = Vec::new();
        let mut a = JsonArray::start(&mut buf).unwrap();
        a.item(&1).unwrap();
        a.item(&"x").unwrap();
        a.finish().unwrap();
        let v: serde_json::Value = serde_json::from_slice(&buf).unwrap();
        assert_eq!(v, serde_json::json!([1, "x"]));
        let mut buf = Vec::new();
        JsonArray::start(&mut buf).unwrap().finish().unwrap();
        assert_eq!(buf, b"[]\n");
    }
}
