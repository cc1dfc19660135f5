//! What a Lambda proxy response really weighs.
//!
//! A handler behind API Gateway (or a Function URL, or an ALB) answers with a
//! JSON envelope, `{"statusCode": 200, "headers": {...}, "body": "..."}`, in
//! which the body is a JSON *string*: a JSON body is escaped a second time
//! inside it. Lambda refuses a synchronous response over 6 MB
//! ([`LAMBDA_SYNC_RESPONSE_LIMIT`]; the front door then answers 502 to the
//! caller), so a handler that sizes its answer by the body alone can be made
//! unservable: a body of control characters, quotes or backslashes weighs
//! up to seven times its text in the envelope.
//!
//! [`escaped_len`] gives the exact size of a text once it is written as a
//! JSON string by `serde_json` (which `lambda_runtime` serialises with):
//! `"` and `\` take two bytes, `\b \f \n \r \t` two, other control
//! characters six (`\u0001`), everything else its UTF-8 length.
//!
//! ```
//! use secure_serverless::envelope::escaped_len;
//!
//! let body = serde_json::to_string(&serde_json::json!({"payload": "\u{1}\"&"}))?;
//! assert_eq!(body, r#"{"payload":"\u0001\"&"}"#);
//! // Inside the envelope: every quote and backslash of the body is escaped again.
//! assert_eq!(escaped_len(&body), serde_json::to_string(&body)?.len() - 2);
//! # Ok::<(), serde_json::Error>(())
//! ```

/// Lambda's limit on a synchronous invocation's response payload: 6 MB,
/// counted here as 6,000,000 bytes so that neither reading of "MB" is
/// exceeded (<https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html>).
pub const LAMBDA_SYNC_RESPONSE_LIMIT: usize = 6_000_000;

/// The length of `text` written as a JSON string by `serde_json`, without
/// the two enclosing quotes.
pub fn escaped_len(text: &str) -> usize {
    text.len()
        + text
            .bytes()
            .map(|b| match b {
                b'"' | b'\\' | 0x08 | 0x0c | b'\n' | b'\r' | b'\t' => 1,
                0x00..=0x1f => 5,
                _ => 0,
            })
            .sum::<usize>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_serde_json_on_every_ascii_byte_and_beyond() {
        let mut all: String = (0u8..=0x7f).map(char::from).collect();
        all.push_str("é€𝄞\u{2028}\u{7f}\u{85}");
        for text in [all.as_str(), "", "plain", "\"\\\"\\"] {
            let json = serde_json::to_string(text).unwrap();
            assert_eq!(escaped_len(text), json.len() - 2, "{text:?}");
        }
    }
}
