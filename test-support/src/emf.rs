//! Checks a line against the CloudWatch Embedded Metric Format
//! specification:
//! <https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html>
//! (root node, metadata object, MetricDirective, DimensionSet,
//! MetricDefinition, target members), plus CloudWatch's own limits on the
//! names and values it accepts.

use serde_json::Value;

/// Units a MetricDefinition may name (the `Unit` values of CloudWatch's
/// `MetricDatum`).
pub const UNITS: &[&str] = &[
    "Seconds",
    "Microseconds",
    "Milliseconds",
    "Bytes",
    "Kilobytes",
    "Megabytes",
    "Gigabytes",
    "Terabytes",
    "Bits",
    "Kilobits",
    "Megabits",
    "Gigabits",
    "Terabits",
    "Percent",
    "Count",
    "Bytes/Second",
    "Kilobytes/Second",
    "Megabytes/Second",
    "Gigabytes/Second",
    "Terabytes/Second",
    "Bits/Second",
    "Kilobits/Second",
    "Megabits/Second",
    "Gigabits/Second",
    "Terabits/Second",
    "Count/Second",
    "None",
];

/// Every metric of a valid EMF line, as (namespace, dimensions with their
/// values, metric name, value).
pub type Extracted = Vec<(String, Vec<(String, String)>, String, f64)>;

/// Checks one log line; on success, the metrics CloudWatch would extract.
///
/// # Errors
/// The first rule the line breaks.
pub fn check(line: &str) -> Result<Extracted, String> {
    if line.len() > 1024 * 1024 {
        return Err("an EMF document is at most 1 MB".into());
    }
    let root: Value = serde_json::from_str(line).map_err(|e| format!("not JSON: {e}"))?;
    let root = root.as_object().ok_or("the root node must be an object")?;
    let aws = root
        .get("_aws")
        .and_then(Value::as_object)
        .ok_or("_aws must be an object")?;
    let ts = aws.get("Timestamp").ok_or("_aws.Timestamp is required")?;
    if !ts.is_u64() {
        return Err("_aws.Timestamp must be a non-negative integer of milliseconds".into());
    }
    let directives = aws
        .get("CloudWatchMetrics")
        .and_then(Value::as_array)
        .ok_or("_aws.CloudWatchMetrics must be an array")?;
    let mut out = Vec::new();
    for d in directives {
        let d = d.as_object().ok_or("a MetricDirective must be an object")?;
        let ns = d
            .get("Namespace")
            .and_then(Value::as_str)
            .ok_or("MetricDirective.Namespace must be a string")?;
        if ns.is_empty() || ns.len() > 255 || ns.starts_with("AWS/") {
            return Err(format!("namespace {ns:?} is not allowed"));
        }
        let sets = d
            .get("Dimensions")
            .and_then(Value::as_array)
            .ok_or("MetricDirective.Dimensions must be an array")?;
        let metrics = d
            .get("Metrics")
            .and_then(Value::as_array)
            .ok_or("MetricDirective.Metrics must be an array")?;
        if metrics.len() > 100 {
            return Err("at most 100 MetricDefinitions per directive".into());
        }
        let mut resolved_sets = Vec::new();
        for set in sets {
            let set = set.as_array().ok_or("a DimensionSet must be an array")?;
            if set.len() > 30 {
                return Err("a DimensionSet has at most 30 dimension keys".into());
            }
            let mut dims = Vec::new();
            for key in set {
                let key = key.as_str().ok_or("dimension keys must be strings")?;
                let value = root.get(key).and_then(Value::as_str).ok_or(format!(
                    "dimension {key:?} must be a string member of the root"
                ))?;
                if value.is_empty() || value.len() > 1024 {
                    return Err(format!(
                        "dimension {key:?} value must be 1 to 1024 characters"
                    ));
                }
                dims.push((key.to_owned(), value.to_owned()));
            }
            resolved_sets.push(dims);
        }
        for m in metrics {
            let m = m
                .as_object()
                .ok_or("a MetricDefinition must be an object")?;
            let name = m
                .get("Name")
                .and_then(Value::as_str)
                .ok_or("MetricDefinition.Name must be a string")?;
            if name.is_empty() || name.len() > 255 {
                return Err(format!("metric name {name:?} must be 1 to 255 characters"));
            }
            if let Some(unit) = m.get("Unit") {
                let unit = unit.as_str().ok_or("Unit must be a string")?;
                if !UNITS.contains(&unit) {
                    return Err(format!("unit {unit:?} is not a CloudWatch unit"));
                }
            }
            if let Some(r) = m.get("StorageResolution")
                && r.as_u64() != Some(1)
                && r.as_u64() != Some(60)
            {
                return Err("StorageResolution must be 1 or 60".into());
            }
            let values: Vec<f64> = match root.get(name) {
                Some(Value::Number(n)) => vec![n.as_f64().ok_or("metric value must be finite")?],
                Some(Value::Array(a)) if !a.is_empty() && a.len() <= 100 => a
                    .iter()
                    .map(|v| v.as_f64().ok_or("metric values must be numbers"))
                    .collect::<Result<_, _>>()?,
                _ => {
                    return Err(format!(
                        "metric {name:?} must be a number member of the root"
                    ));
                }
            };
            for dims in &resolved_sets {
                for v in &values {
                    out.push((ns.to_owned(), dims.clone(), name.to_owned(), *v));
                }
            }
        }
    }
    Ok(out)
}
