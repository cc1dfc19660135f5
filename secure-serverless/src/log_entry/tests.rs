//! Unit tests of `log_entry`.

use super::*;

fn parser() -> LogEntryParser {
    LogEntryParser::with_max_payload_bytes(Sanitizer::default(), 100)
}

fn err(body: &[u8]) -> LogEntryError {
    parser().parse(body).unwrap_err()
}

#[test]
fn valid_entry_is_sanitised() {
    let e = parser()
        .parse(br#" {"payload":"<i>x</i><img src=x onerror=alert(1)>","type":"app.audit:v1-x_y"} "#)
        .unwrap();
    assert_eq!(e.log_type().as_str(), "app.audit:v1-x_y");
    assert_eq!(e.payload(), "<i>x</i>");
}

#[test]
fn the_block_scan_finds_what_a_character_scan_finds() {
    let reference = |t: &str| {
        t.char_indices()
            .find(|&(_, c)| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
    };
    let pieces = [
        "a", "é", "©", "\u{85}", "\u{1}", "\t", "\n", "\u{7f}", "€", "𝄞", "\u{9f}", " ",
    ];
    // Every piece at every offset around the 64-byte block edges.
    for filler in 0..140 {
        for p in pieces {
            for tail in ["", "©x", "\u{2}"] {
                let t = format!("{}{p}{tail}", "x".repeat(filler));
                assert_eq!(first_control_character(&t), reference(&t), "{t:?}");
                let t = format!("{}{p}{tail}", "é".repeat(filler / 2));
                assert_eq!(first_control_character(&t), reference(&t), "{t:?}");
            }
        }
    }
}

#[test]
fn control_characters_are_refused_by_name() {
    for (body, code_point, offset) in [
        (r#"{"type":"t","payload":"ab\u0001"}"#, 1, 2),
        (r#"{"type":"t","payload":"\u0000"}"#, 0, 0),
        (r#"{"type":"t","payload":"é\u001b[31m"}"#, 0x1b, 2),
        (r#"{"type":"t","payload":"\u007f"}"#, 0x7f, 0),
        (r#"{"type":"t","payload":"\u0085"}"#, 0x85, 0),
    ] {
        let e = err(body.as_bytes());
        assert_eq!(
            e,
            LogEntryError::ControlCharacter { code_point, offset },
            "{body}"
        );
        assert_eq!((e.http_status(), e.field()), (422, Some("payload")));
    }
    // Tab, line feed, carriage return and other characters are text.
    assert!(
        parser()
            .parse(br#"{"type":"t","payload":"a\tb\nc\r\n\u00e9\u2028\ud834\udd1e"}"#)
            .is_ok()
    );
}

#[test]
fn empty_payload_is_allowed() {
    assert_eq!(
        parser()
            .parse(br#"{"type":"t","payload":""}"#)
            .unwrap()
            .payload(),
        ""
    );
}

#[test]
fn each_failure_class_has_its_own_error() {
    assert_eq!(err(b""), LogEntryError::EmptyBody);
    assert_eq!(err(b"  \n"), LogEntryError::EmptyBody);
    assert_eq!(
        err(b"\xff\xfe{}"),
        LogEntryError::InvalidUtf8 { valid_up_to: 0 }
    );
    assert!(matches!(
        err(b"{\"type\":"),
        LogEntryError::MalformedJson { line: 1, .. }
    ));
    assert!(matches!(err(b"{} {}"), LogEntryError::MalformedJson { .. }));
    assert!(matches!(
        err(b"{\"type\":\"a\",}"),
        LogEntryError::MalformedJson { .. }
    ));
    assert_eq!(
        err(b"[1,2]"),
        LogEntryError::NotAnObject { found: "an array" }
    );
    assert_eq!(
        err(b"\"s\""),
        LogEntryError::NotAnObject { found: "a string" }
    );
    assert_eq!(err(b"null"), LogEntryError::NotAnObject { found: "null" });
    assert_eq!(err(b"12"), LogEntryError::NotAnObject { found: "a number" });
    assert_eq!(
        err(b"true"),
        LogEntryError::NotAnObject { found: "a boolean" }
    );
    assert_eq!(
        err(br#"{"payload":"x"}"#),
        LogEntryError::MissingField { field: "type" }
    );
    assert_eq!(
        err(br#"{"type":"x"}"#),
        LogEntryError::MissingField { field: "payload" }
    );
    assert_eq!(
        err(br#"{"type":"x","payload":"y","extra":1}"#),
        LogEntryError::UnknownField {
            field: "extra".into()
        }
    );
    assert_eq!(
        err(br#"{"type":"x","type":"z","payload":"y"}"#),
        LogEntryError::DuplicateField { field: "type" }
    );
    assert_eq!(
        err(br#"{"type":1,"payload":"y"}"#),
        LogEntryError::WrongType {
            field: "type",
            found: "a number"
        }
    );
    assert_eq!(
        err(br#"{"type":"t","payload":{"a":1}}"#),
        LogEntryError::WrongType {
            field: "payload",
            found: "an object"
        }
    );
    assert_eq!(
        err(br#"{"type":"t","payload":null}"#),
        LogEntryError::WrongType {
            field: "payload",
            found: "null"
        }
    );
    assert_eq!(
        err(br#"{"type":"","payload":""}"#),
        LogEntryError::InvalidType {
            rule: TypeRule::Empty
        }
    );
    assert_eq!(
        err(format!(r#"{{"type":"{}","payload":""}}"#, "a".repeat(65)).as_bytes()),
        LogEntryError::InvalidType {
            rule: TypeRule::TooLong { actual: 65 }
        }
    );
    assert!(
        parser()
            .parse(format!(r#"{{"type":"{}","payload":""}}"#, "a".repeat(64)).as_bytes())
            .is_ok()
    );
    assert_eq!(
        err(r#"{"type":"ab<c","payload":""}"#.as_bytes()),
        LogEntryError::InvalidType {
            rule: TypeRule::InvalidCharacter {
                character: '<',
                position: 2
            }
        }
    );
    assert_eq!(
        err(r#"{"type":"é","payload":""}"#.as_bytes()),
        LogEntryError::InvalidType {
            rule: TypeRule::InvalidCharacter {
                character: 'é',
                position: 0
            }
        }
    );
    assert_eq!(
        err(format!(r#"{{"type":"t","payload":"{}"}}"#, "x".repeat(101)).as_bytes()),
        LogEntryError::PayloadTooLarge {
            limit: 100,
            actual: 101
        }
    );
    let big = vec![b' '; parser().max_body_bytes() + 1];
    assert!(matches!(err(&big), LogEntryError::BodyTooLarge { .. }));
    let deep = format!(r#"{{"type":"t","payload":"{}"}}"#, "<ul>".repeat(25));
    let p = LogEntryParser::with_max_payload_bytes(
        crate::sanitize::SanitizerBuilder::bleach_compatible()
            .max_depth(10)
            .build()
            .unwrap(),
        1000,
    );
    assert!(matches!(
        p.parse(deep.as_bytes()),
        Err(LogEntryError::PayloadRejected(_))
    ));
}

#[test]
fn fuzz_regression_stored_payload_is_a_fixed_point() {
    // fuzz/artifacts-regressions/log_entry: the table fosters the inner <a>.
    for body in [
        &br#"{"type":"xss","payload":"<a><table><a>"}"#[..],
        br#"{"type": "xss", "payload": "<a><table><a c=//scriptnerror=alert(0)>"}"#,
    ] {
        let entry = parser().parse(body).unwrap();
        let s = Sanitizer::default();
        assert_eq!(s.clean(entry.payload()).unwrap(), entry.payload());
    }
}

#[test]
fn deeply_nested_json_is_an_error_not_a_stack_overflow() {
    let body = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(matches!(
        LogEntryParser::with_max_payload_bytes(Sanitizer::default(), 1 << 20)
            .parse(body.as_bytes()),
        Err(LogEntryError::MalformedJson { .. } | LogEntryError::NotAnObject { .. })
    ));
    let body = format!(
        r#"{{"type":"t","payload":{}1{}}}"#,
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    assert!(matches!(
        LogEntryParser::with_max_payload_bytes(Sanitizer::default(), 1 << 20)
            .parse(body.as_bytes()),
        Err(LogEntryError::MalformedJson { .. } | LogEntryError::WrongType { .. })
    ));
}

#[test]
fn statuses_and_codes() {
    assert_eq!(err(b"[]").http_status(), 400);
    assert_eq!(err(br#"{"type":"a b","payload":""}"#).http_status(), 422);
    assert_eq!(
        err(br#"{"type":"a b","payload":""}"#).code(),
        "invalid_type"
    );
    let too_big = format!(r#"{{"type":"t","payload":"{}"}}"#, "x".repeat(101));
    assert_eq!(err(too_big.as_bytes()).http_status(), 413);
    assert_eq!(err(br#"{"x":1}"#).field(), Some("x"));
}
