//! Sanitises every payload of the XSS corpora with the built-in policies and
//! writes the browser harness's input (`tests/browser/xss-harness.mjs`).
//!
//!     cargo run -p secure-serverless --features sanitize --example xss_corpus -- <corpus-dir> <out.json>
//!
//! Also checks, for every payload, that no policy panics and that cleaning is
//! idempotent; exits non-zero otherwise.

use std::path::Path;

use secure_serverless::sanitize::{Sanitizer, SanitizerBuilder};
use serde_json::{Value, json};

fn payloads(dir: &Path) -> Result<Vec<(String, String)>, Box<dyn std::error::Error>> {
    let read = |name: &str| -> Result<Value, Box<dyn std::error::Error>> {
        Ok(serde_json::from_str(&std::fs::read_to_string(
            dir.join(name),
        )?)?)
    };
    let mut out = Vec::new();
    let mut take = |file: &str, list: &Value, field: &str| {
        for (i, item) in list.as_array().into_iter().flatten().enumerate() {
            if let Some(p) = item.get(field).and_then(Value::as_str) {
                out.push((format!("{file}#{i}"), p.to_owned()));
            }
        }
    };
    take(
        "dompurify-expect.json",
        &read("dompurify-expect.json")?,
        "payload",
    );
    take("h5sc-items.json", &read("h5sc-items.json")?, "data");
    take(
        "html5lib-sanitizer-tests1.json",
        &read("html5lib-sanitizer-tests1.json")?,
        "input",
    );
    take(
        "secure-serverless-review.json",
        &read("secure-serverless-review.json")?,
        "payload",
    );
    let owasp = read("owasp-xss-filter-evasion.json")?;
    take("owasp-xss-filter-evasion.json", &owasp["vectors"], "vector");
    Ok(out)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(dir), Some(out)) = (args.next(), args.next()) else {
        return Err("usage: xss_corpus <corpus-dir> <out.json>".into());
    };
    let policies = [
        ("default", Sanitizer::bleach_compatible()),
        ("rich", Sanitizer::rich()),
        // rich with `id`/`name` allowed behind the mandatory prefix.
        (
            "rich-ids",
            SanitizerBuilder::rich()
                .id_prefix("user-content-")
                .build()?,
        ),
    ];
    let mut cases = Vec::new();
    let mut unstable = 0;
    for (source, raw) in payloads(Path::new(&dir))? {
        let mut outputs = serde_json::Map::new();
        for (name, p) in &policies {
            let clean = p.clean(&raw).map(|c| c.into_owned()).unwrap_or_default();
            if p.clean(&clean).map(|c| c.into_owned()).as_deref() != Ok(clean.as_str()) {
                eprintln!("not idempotent under {name}: {source}");
                unstable += 1;
            }
            outputs.insert((*name).to_owned(), Value::String(clean));
        }
        cases.push(json!({"source": source, "raw": raw, "outputs": outputs}));
    }
    std::fs::write(&out, serde_json::to_vec_pretty(&cases)?)?;
    eprintln!(
        "xss_corpus: {} payloads x {} policies written to {out}",
        cases.len(),
        policies.len()
    );
    if unstable > 0 {
        return Err(format!("{unstable} outputs are not idempotent").into());
    }
    Ok(())
}
