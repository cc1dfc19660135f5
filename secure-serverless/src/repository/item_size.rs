//! The size DynamoDB counts for an item, computed before the item is sent.
//!
//! DynamoDB refuses an item over 400 KB with a `ValidationException` after
//! the request has been made; a caller that wants to answer "too large"
//! (a 413, not a 500) must know the size first. The rules are AWS's
//! (<https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html>):
//! every attribute counts its name's UTF-8 length plus its value; a string
//! its UTF-8 length, binary its raw length, a boolean or null one byte, a list
//! or map 3 bytes plus one byte and the size of each element. A number is
//! "approximately" one byte per two significant digits plus one; at most 38
//! digits, so it is counted as [`MAX_NUMBER_BYTES`], never less than
//! DynamoDB's own count. Sets are counted as lists, also never less.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

/// DynamoDB's item size limit: 400 KB, attribute names included.
pub const MAX_ITEM_BYTES: usize = 400 * 1024;

/// The most a number attribute's value can count for (38 significant digits
/// at two per byte, plus one).
pub(crate) const MAX_NUMBER_BYTES: usize = 21;

/// The size of `item` as DynamoDB counts it (numbers at their maximum).
pub fn item_size(item: &HashMap<String, AttributeValue>) -> usize {
    item.iter().map(|(k, v)| k.len() + value_size(v)).sum()
}

fn value_size(v: &AttributeValue) -> usize {
    let list = |sizes: &mut dyn Iterator<Item = usize>| 3 + sizes.map(|s| s + 1).sum::<usize>();
    match v {
        AttributeValue::S(s) => s.len(),
        AttributeValue::N(_) => MAX_NUMBER_BYTES,
        AttributeValue::B(b) => b.as_ref().len(),
        AttributeValue::Bool(_) | AttributeValue::Null(_) => 1,
        AttributeValue::Ss(v) => list(&mut v.iter().map(String::len)),
        AttributeValue::Ns(v) => list(&mut v.iter().map(|_| MAX_NUMBER_BYTES)),
        AttributeValue::Bs(v) => list(&mut v.iter().map(|b| b.as_ref().len())),
        AttributeValue::L(v) => list(&mut v.iter().map(value_size)),
        AttributeValue::M(m) => list(&mut m.iter().map(|(k, v)| k.len() + value_size(v))),
        // A kind this crate does not know: count it as too large rather than
        // as free.
        _ => MAX_ITEM_BYTES + 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_dynamodb::primitives::Blob;

    #[test]
    fn counts_names_and_values_as_documented() {
        let item = HashMap::from([
            ("pk".to_owned(), AttributeValue::S("LOG#01".into())),
            ("é".to_owned(), AttributeValue::S("€".into())),
            ("n".to_owned(), AttributeValue::N("1700000000".into())),
            ("b".to_owned(), AttributeValue::B(Blob::new(vec![0u8; 10]))),
            ("t".to_owned(), AttributeValue::Bool(true)),
            (
                "l".to_owned(),
                AttributeValue::L(vec![
                    AttributeValue::S("ab".into()),
                    AttributeValue::Null(true),
                ]),
            ),
            (
                "m".to_owned(),
                AttributeValue::M(HashMap::from([(
                    "k".to_owned(),
                    AttributeValue::S("v".into()),
                )])),
            ),
        ]);
        let expected = (2 + 6)
            + (2 + 3)
            + (1 + 21)
            + (1 + 10)
            + (1 + 1)
            + (1 + 3 + (2 + 1) + (1 + 1))
            + (1 + 3 + (1 + 1 + 1));
        assert_eq!(item_size(&item), expected);
    }
}
