//! Readers: bytes of a source file → records, one reader per format.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::IngestError;
use super::descriptor::{DataFormat, DataSpec};
use super::record::{ReadOutcome, Record, RecordError};

/// Largest nesting of JSON accepted before parsing (deeper documents are refused).
const MAX_JSON_NESTING: usize = 64;

/// Reads all records of a file in the format its descriptor declares.
pub fn read_records(
    bytes: &[u8],
    spec: &DataSpec,
    base_iri: &str,
) -> Result<ReadOutcome, IngestError> {
    match spec.format {
        DataFormat::Csv => read_csv(&decode_text(bytes, &spec.encoding)?, &spec.delimiter),
        DataFormat::Json => {
            let text = decode_text(bytes, &spec.encoding)?;
            read_json(&text, &spec.records)
        }
        DataFormat::Geojson => read_geojson(&decode_text(bytes, &spec.encoding)?),
        DataFormat::Turtle | DataFormat::Ntriples | DataFormat::Jsonld | DataFormat::Rdfxml => {
            super::read_rdf::read_rdf(bytes, spec, base_iri)
        }
    }
}

/// Decodes text: a UTF-8 byte-order mark is dropped; `auto` takes UTF-8 when the bytes are
/// valid UTF-8 and Windows-1252 (a superset of Latin-1) otherwise.
pub fn decode_text(bytes: &[u8], declared: &str) -> Result<String, IngestError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let label = declared.trim().to_ascii_lowercase();
    match label.as_str() {
        "auto" => Ok(match std::str::from_utf8(bytes) {
            Ok(text) => text.to_owned(),
            Err(_) => encoding_rs::WINDOWS_1252
                .decode_without_bom_handling(bytes)
                .0
                .into_owned(),
        }),
        "utf-8" | "utf8" => {
            String::from_utf8(bytes.to_vec()).map_err(|error| IngestError::Encoding {
                message: format!(
                    "the file is declared UTF-8 but byte {} is not valid UTF-8; declare \
                     encoding = \"windows-1252\" or \"auto\" if it is Latin-1",
                    error.utf8_error().valid_up_to()
                ),
            })
        }
        other => {
            let encoding = encoding_rs::Encoding::for_label(other.as_bytes()).ok_or_else(|| {
                IngestError::Encoding {
                    message: format!("unknown encoding {declared:?}"),
                }
            })?;
            Ok(encoding.decode_without_bom_handling(bytes).0.into_owned())
        }
    }
}

fn read_csv(text: &str, delimiter: &str) -> Result<ReadOutcome, IngestError> {
    let delimiter = match delimiter {
        "auto" => sniff_delimiter(text),
        "\\t" | "tab" => b'\t',
        other if other.len() == 1 => other.as_bytes()[0],
        other => {
            return Err(IngestError::Syntax {
                position: "descriptor".into(),
                message: format!(
                    "the CSV delimiter must be one character or \"auto\", not {other:?}"
                ),
            });
        }
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|error| IngestError::Syntax {
            position: "line 1".into(),
            message: error.to_string(),
        })?
        .iter()
        .map(|header| header.trim().to_owned())
        .collect::<Vec<_>>();

    let mut outcome = ReadOutcome::default();
    for (row_idx, row) in reader.records().enumerate() {
        let number = row_idx + 1;
        let row = match row {
            Ok(row) => row,
            Err(error) => {
                let line = error.position().map(|position| position.line());
                outcome.errors.push(RecordError {
                    number,
                    line,
                    reason: error.to_string(),
                    raw: String::new(),
                });
                continue;
            }
        };
        let line = row.position().map(|position| position.line());
        if row.len() != headers.len() {
            outcome.errors.push(RecordError {
                number,
                line,
                reason: format!(
                    "the row has {} fields where the header has {}",
                    row.len(),
                    headers.len()
                ),
                raw: row
                    .iter()
                    .collect::<Vec<_>>()
                    .join(&char::from(delimiter).to_string()),
            });
            continue;
        }
        let fields: BTreeMap<String, String> = headers
            .iter()
            .cloned()
            .zip(row.iter().map(str::to_owned))
            .collect();
        outcome
            .records
            .push(Record::from_strings(number, line, fields));
    }
    Ok(outcome)
}

/// The most frequent of `,`, `;`, tab and `|` on the header line, outside quotes.
fn sniff_delimiter(text: &str) -> u8 {
    let header = text.lines().next().unwrap_or_default();
    let mut counts = [(b',', 0usize), (b';', 0), (b'\t', 0), (b'|', 0)];
    let mut quoted = false;
    for byte in header.bytes() {
        if byte == b'"' {
            quoted = !quoted;
        } else if !quoted
            && let Some(entry) = counts.iter_mut().find(|(candidate, _)| *candidate == byte)
        {
            entry.1 += 1;
        }
    }
    counts
        .iter()
        .max_by_key(|(_, count)| *count)
        .filter(|(_, count)| *count > 0)
        .map_or(b',', |(d, _)| *d)
}

fn read_json(text: &str, records_path: &str) -> Result<ReadOutcome, IngestError> {
    check_json_nesting(text)?;
    let document: Value = serde_json::from_str(text).map_err(|error| IngestError::Syntax {
        position: format!("line {}, column {}", error.line(), error.column()),
        message: format!("the JSON document is not valid: {error}"),
    })?;
    let mut current = &document;
    for part in records_path.split('.').filter(|part| !part.is_empty()) {
        current = current.get(part).ok_or_else(|| IngestError::Syntax {
            position: format!("records path {records_path:?}"),
            message: format!("the document has no member {part:?} on the way to the records"),
        })?;
    }
    let Value::Array(items) = current else {
        return Err(IngestError::Syntax {
            position: format!("records path {records_path:?}"),
            message:
                "the records are not a JSON array; set [data] records to the path of the array"
                    .into(),
        });
    };
    let mut outcome = ReadOutcome::default();
    for (item_idx, item) in items.iter().enumerate() {
        match item {
            Value::Object(fields) => outcome
                .records
                .push(Record::from_json(item_idx + 1, fields.clone())),
            other => outcome.errors.push(RecordError {
                number: item_idx + 1,
                line: None,
                reason: format!(
                    "the record is a JSON {} where an object was expected",
                    json_kind(other)
                ),
                raw: other.to_string(),
            }),
        }
    }
    Ok(outcome)
}

fn read_geojson(text: &str) -> Result<ReadOutcome, IngestError> {
    check_json_nesting(text)?;
    let collection: geojson::FeatureCollection =
        text.parse().map_err(|error| IngestError::Syntax {
            position: "document".into(),
            message: format!("not a GeoJSON feature collection: {error}"),
        })?;
    let mut outcome = ReadOutcome::default();
    for (feature_idx, feature) in collection.features.into_iter().enumerate() {
        let mut fields: Map<String, Value> = feature.properties.clone().unwrap_or_default();
        if let Some(id) = &feature.id {
            let id = match id {
                geojson::feature::Id::String(text) => text.clone(),
                geojson::feature::Id::Number(number) => number.to_string(),
            };
            fields.insert("@id".into(), Value::String(id));
        }
        if let Some(point) = feature.geometry.as_ref().and_then(representative_point) {
            fields.insert("@longitude".into(), Value::from(point.x()));
            fields.insert("@latitude".into(), Value::from(point.y()));
        }
        outcome
            .records
            .push(Record::from_json(feature_idx + 1, fields));
    }
    Ok(outcome)
}

/// A point for any geometry: the point itself, else the centroid. A geometry with a position
/// of fewer than two numbers has none (and is never handed to the conversion, which indexes
/// the second number without checking).
fn representative_point(geometry: &geojson::Geometry) -> Option<geo_types::Point<f64>> {
    use geo::Centroid;
    if !has_only_full_positions(&geometry.value) {
        return None;
    }
    let geometry = geo_types::Geometry::<f64>::try_from(geometry.clone()).ok()?;
    match geometry {
        geo_types::Geometry::Point(point) => Some(point),
        other => other.centroid(),
    }
}

/// Whether every position of the geometry has at least a longitude and a latitude.
fn has_only_full_positions(value: &geojson::GeometryValue) -> bool {
    use geojson::GeometryValue;
    let full = |position: &geojson::Position| position.len() >= 2;
    let all_full = |positions: &Vec<geojson::Position>| positions.iter().all(full);
    match value {
        GeometryValue::Point { coordinates } => full(coordinates),
        GeometryValue::MultiPoint { coordinates } | GeometryValue::LineString { coordinates } => {
            all_full(coordinates)
        }
        GeometryValue::MultiLineString { coordinates } | GeometryValue::Polygon { coordinates } => {
            coordinates.iter().all(all_full)
        }
        GeometryValue::MultiPolygon { coordinates } => coordinates
            .iter()
            .all(|polygon| polygon.iter().all(all_full)),
        GeometryValue::GeometryCollection { geometries } => geometries
            .iter()
            .all(|geometry| has_only_full_positions(&geometry.value)),
    }
}

/// Refuses JSON nested deeper than [`MAX_JSON_NESTING`] before the recursive parser runs.
fn check_json_nesting(text: &str) -> Result<(), IngestError> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (offset, byte) in text.bytes().enumerate() {
        if in_string {
            match (escaped, byte) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => (),
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_JSON_NESTING {
                    return Err(IngestError::Syntax {
                        position: format!("byte {offset}"),
                        message: format!("JSON nested more than {MAX_JSON_NESTING} levels deep"),
                    });
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => (),
        }
    }
    Ok(())
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin1_bytes_are_detected_and_decoded() {
        let latin1 = b"nom;ville\nM\xE9diath\xE8que;S\xE8te\n";
        let text = decode_text(latin1, "auto").unwrap();
        assert_eq!(text, "nom;ville\nMédiathèque;Sète\n");
        let outcome = read_csv(&text, "auto").unwrap();
        assert_eq!(outcome.records[0].text("ville").as_deref(), Some("Sète"));
    }

    #[test]
    fn a_bom_is_dropped_from_the_first_header() {
        let outcome = read_csv(
            &decode_text(b"\xEF\xBB\xBFid,nom\n1,a\n", "auto").unwrap(),
            "auto",
        )
        .unwrap();
        assert_eq!(outcome.records[0].text("id").as_deref(), Some("1"));
    }

    #[test]
    fn a_row_with_the_wrong_number_of_fields_is_reported_with_its_number() {
        let outcome = read_csv("a,b\n1,2\n3\n4,5\n", "auto").unwrap();
        assert_eq!(outcome.records.len(), 2);
        assert_eq!(outcome.errors[0].number, 2);
        assert_eq!(outcome.errors[0].line, Some(3));
    }

    #[test]
    fn a_truncated_json_file_is_a_syntax_error_with_a_position() {
        let error = read_json("[{\"a\": 1}, {\"b\": ", "").unwrap_err();
        assert!(matches!(error, IngestError::Syntax { .. }), "{error}");
        assert!(error.to_string().contains("line 1"), "{error}");
    }

    #[test]
    fn records_may_sit_deep_inside_the_document() {
        let outcome = read_json(r#"{"data": {"items": [{"a": 1}, 2]}}"#, "data.items").unwrap();
        assert_eq!(outcome.records.len(), 1);
        assert_eq!(outcome.errors[0].number, 2);
    }

    #[test]
    fn deeply_nested_json_is_refused_before_parsing() {
        let text = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(matches!(
            read_json(&text, ""),
            Err(IngestError::Syntax { .. })
        ));
    }
}
