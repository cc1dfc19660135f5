//! Header lookup in API Gateway events, which carry each header twice: in
//! `multiValueHeaders` (every value, so a repeated header shows as repeated)
//! and in `headers` (the last value only).

use aws_lambda_events::http::header::GetAll;
use aws_lambda_events::http::{HeaderMap, HeaderValue};

/// Every value of header `name`: from `multi` when it has the header (so a
/// repeated header is seen as repeated), else from `single`.
pub(crate) fn all_values<'a>(
    multi: &'a HeaderMap,
    single: &'a HeaderMap,
    name: &str,
) -> GetAll<'a, HeaderValue> {
    let from_multi = multi.get_all(name);
    if from_multi.iter().next().is_some() {
        from_multi
    } else {
        single.get_all(name)
    }
}
