//! Condition expressions for conditional writes.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

use super::Attributes;

/// A DynamoDB condition expression with its placeholders, for
/// [`Repository::put_if`](super::Repository::put_if) and
/// [`Repository::delete_if`](super::Repository::delete_if).
///
/// ```
/// # use secure_serverless::repository::Condition;
/// let c = Condition::new("attribute_not_exists(pk) OR #until < :now")
///     .name("#until", "in_progress_until")
///     .number(":now", 1_700_000_000_000u64);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Condition {
    expression: String,
    names: Vec<(String, String)>,
    values: Vec<(String, AttributeValue)>,
}

impl Condition {
    /// A condition expression (`#name` and `:value` placeholders).
    pub fn new(expression: impl Into<String>) -> Self {
        Condition {
            expression: expression.into(),
            ..Condition::default()
        }
    }

    /// Binds the placeholder `#name` to an attribute name.
    pub fn name(mut self, placeholder: &str, attribute: &str) -> Self {
        self.names
            .push((placeholder.to_owned(), attribute.to_owned()));
        self
    }

    /// Binds the placeholder `:value` to a string.
    pub fn string(mut self, placeholder: &str, value: impl Into<String>) -> Self {
        self.values
            .push((placeholder.to_owned(), AttributeValue::S(value.into())));
        self
    }

    /// Binds the placeholder `:value` to a number.
    pub fn number(mut self, placeholder: &str, value: u64) -> Self {
        self.values
            .push((placeholder.to_owned(), AttributeValue::N(value.to_string())));
        self
    }

    pub(super) fn expression(&self) -> &str {
        &self.expression
    }

    pub(super) fn names(&self) -> Option<HashMap<String, String>> {
        (!self.names.is_empty()).then(|| self.names.iter().cloned().collect())
    }

    pub(super) fn values(&self) -> Option<Attributes> {
        (!self.values.is_empty()).then(|| self.values.iter().cloned().collect())
    }
}
