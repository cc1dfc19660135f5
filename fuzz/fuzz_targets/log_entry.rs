//! The log-entry parser on arbitrary request bodies.
//!
//! Invariants: a value or a typed error, never a panic; and the parser agrees
//! with a reference reading of the documented contract: a body is accepted
//! exactly when it is UTF-8, within the body cap, one JSON object whose
//! members are exactly one string `type` matching `[A-Za-z0-9._:-]{1,64}` and
//! one string `payload` within the payload cap that the sanitiser accepts;
//! the entry then holds that type and the sanitised payload, which is a fixed
//! point of the sanitiser. Errors carry a status of 400, 413 or 422 and a
//! code; the first checks (size, UTF-8, empty) name the exact error.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use secure_serverless::log_entry::{LogEntryError, LogEntryParser};
use secure_serverless::sanitize::Sanitizer;
use serde_json::Value;

static PARSERS: LazyLock<[LogEntryParser; 3]> = LazyLock::new(|| {
    [
        LogEntryParser::new(Sanitizer::bleach_compatible()),
        // small caps, so the fuzzer reaches the size checks
        LogEntryParser::with_max_payload_bytes(Sanitizer::rich(), 64),
        LogEntryParser::with_max_payload_bytes(Sanitizer::plain_text(), 16),
    ]
});

fuzz_target!(|body: &[u8]| {
    for parser in PARSERS.iter() {
        check(parser, body);
    }
});

fn valid_type(t: &str) -> bool {
    (1..=64).contains(&t.len())
        && t.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'))
}

fn check(parser: &LogEntryParser, body: &[u8]) {
    let result = parser.parse(body);
    if let Err(e) = &result {
        assert!(matches!(e.http_status(), 400 | 413 | 422), "{e:?}");
        assert!(!e.code().is_empty());
        let _ = e.to_string();
        let _ = e.field();
    }
    // The first checks, in their documented order.
    if body.len() > parser.max_body_bytes() {
        assert!(matches!(result, Err(LogEntryError::BodyTooLarge { .. })));
        return;
    }
    let text = match std::str::from_utf8(body) {
        Ok(t) => t,
        Err(e) => {
            assert_eq!(
                result.unwrap_err(),
                LogEntryError::InvalidUtf8 {
                    valid_up_to: e.valid_up_to()
                }
            );
            return;
        }
    };
    if text.trim_ascii().is_empty() {
        assert_eq!(result.unwrap_err(), LogEntryError::EmptyBody);
        return;
    }
    // Reference reading of the members.
    let expected = fuzz_support::object_members(body).and_then(|members| {
        let mut ty = None;
        let mut payload = None;
        for (k, v) in members {
            let slot = match k.as_str() {
                "type" => &mut ty,
                "payload" => &mut payload,
                _ => return None,
            };
            let Value::String(s) = v else { return None };
            if slot.replace(s).is_some() {
                return None;
            }
        }
        let (ty, payload) = (ty?, payload?);
        if !valid_type(&ty) || payload.len() > parser.max_payload_bytes() {
            return None;
        }
        // Control characters other than tab, LF and CR are refused.
        if payload
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
        {
            return None;
        }
        let clean = parser.sanitizer().clean(&payload).ok()?.into_owned();
        Some((ty, clean))
    });
    match (&result, expected) {
        (Ok(entry), Some((ty, payload))) => {
            assert_eq!(entry.log_type().as_str(), ty);
            assert_eq!(entry.payload(), payload);
            if !parser.sanitizer().is_plain_text() {
                // markup policies store a fixed point (plain text escapes again)
                let again = parser.sanitizer().clean(entry.payload()).unwrap();
                assert_eq!(
                    again,
                    entry.payload(),
                    "stored payload is not a fixed point"
                );
            }
        }
        (Err(_), None) => {}
        (Ok(entry), None) => panic!("accepted a body the contract refuses: {entry:?}"),
        (Err(e), Some(_)) => panic!("refused a body the contract accepts: {e:?}"),
    }
}
