//! Records as read from a source file, whatever its format: a number and a map of fields.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

/// One record of a source: its position in the file and its fields, as a JSON object (CSV
/// values are strings; JSON keeps its nesting; RDF and GeoJSON are flattened, see the readers).
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// 1-based position of the record in the source.
    pub number: usize,
    /// Line of the file where the record starts, when the format has lines.
    pub line: Option<u64>,
    /// The fields.
    pub fields: Map<String, Value>,
}

/// A record that could not be read, with where and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordError {
    /// 1-based position of the record in the source.
    pub number: usize,
    /// Line of the file, when known.
    pub line: Option<u64>,
    /// What is wrong, in words a data publisher understands.
    pub reason: String,
    /// The record's text or fields as far as they could be read.
    pub raw: String,
}

/// What a reader got out of a file: the records and the faults of the records it could not read.
#[derive(Debug, Default)]
pub struct ReadOutcome {
    /// Records read.
    pub records: Vec<Record>,
    /// Records that could not be read.
    pub errors: Vec<RecordError>,
}

impl Record {
    /// A record from a JSON object.
    pub fn from_json(number: usize, fields: Map<String, Value>) -> Self {
        Self {
            number,
            line: None,
            fields,
        }
    }

    /// A record from string fields (CSV).
    pub fn from_strings(
        number: usize,
        line: Option<u64>,
        fields: BTreeMap<String, String>,
    ) -> Self {
        let fields = fields
            .into_iter()
            .map(|(key, value)| (key, Value::String(value)))
            .collect();
        Self {
            number,
            line,
            fields,
        }
    }

    /// The values of a field: the key as written, else a dotted path into nested objects and
    /// arrays (`adresse.code_postal`, `services.0.nom`). Arrays give several values.
    pub fn values(&self, field: &str) -> Vec<String> {
        let value = self
            .fields
            .get(field)
            .or_else(|| lookup_path(&self.fields, field));
        let mut output = Vec::new();
        if let Some(value) = value {
            push_scalars(value, &mut output);
        }
        output
    }

    /// The first value of a field.
    pub fn text(&self, field: &str) -> Option<String> {
        self.values(field).into_iter().next()
    }

    /// The fields as compact JSON, for reports and quarantine.
    pub fn to_json(&self) -> String {
        Value::Object(self.fields.clone()).to_string()
    }
}

fn lookup_path<'a>(fields: &'a Map<String, Value>, path: &str) -> Option<&'a Value> {
    let mut parts = path.split('.');
    let mut current = fields.get(parts.next()?)?;
    for part in parts {
        current = match current {
            Value::Object(object) => object.get(part)?,
            Value::Array(items) => items.get(part.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(current)
}

fn push_scalars(value: &Value, output: &mut Vec<String>) {
    match value {
        Value::Null => (),
        Value::String(text) => output.push(text.clone()),
        Value::Number(number) => output.push(number_text(number)),
        Value::Bool(flag) => output.push(flag.to_string()),
        Value::Array(items) => items.iter().for_each(|item| push_scalars(item, output)),
        Value::Object(_) => output.push(value.to_string()),
    }
}

/// Numbers as people write them: integers without a decimal point.
fn number_text(number: &serde_json::Number) -> String {
    if let Some(integer) = number.as_i64() {
        return integer.to_string();
    }
    match number.as_f64() {
        Some(float) if float.fract() == 0.0 && float.abs() < 1e15 => format!("{float:.0}"),
        _ => number.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_fields_are_reached_by_dotted_paths_but_dotted_keys_win() {
        let fields = serde_json::json!({
            "adresse": { "cp": "33000", "lignes": ["a", "b"] },
            "l.etat": 12
        });
        let record = Record::from_json(1, fields.as_object().unwrap().clone());
        assert_eq!(record.values("adresse.cp"), ["33000"]);
        assert_eq!(record.values("adresse.lignes"), ["a", "b"]);
        assert_eq!(record.values("adresse.lignes.1"), ["b"]);
        assert_eq!(record.values("l.etat"), ["12"]);
        assert!(record.values("adresse.absent").is_empty());
    }
}
