//! GeoJSON (RFC 7946): a FeatureCollection of one feature per initiative, its point as
//! `[longitude, latitude]` (no geometry when it has none), its row as properties.

use geojson::{Feature, Geometry, JsonObject, feature::Id};
use serde_json::Value;

use super::ExportError;
use super::row::{COLUMNS, Cell, InitiativeRow};

/// Writes features into the chunks of an export.
#[derive(Default)]
pub(super) struct GeoJsonWriter {
    written: usize,
}

impl GeoJsonWriter {
    pub(super) fn begin(&mut self, out: &mut Vec<u8>) {
        out.extend_from_slice(br#"{"type":"FeatureCollection","features":["#);
    }

    pub(super) fn write(
        &mut self,
        row: &InitiativeRow,
        out: &mut Vec<u8>,
    ) -> Result<(), ExportError> {
        if self.written > 0 {
            out.push(b',');
        }
        out.push(b'\n');
        serde_json::to_writer(&mut *out, &feature_of(row))?;
        self.written += 1;
        Ok(())
    }
}

fn feature_of(row: &InitiativeRow) -> Feature {
    let mut properties = JsonObject::new();
    for (name, cell) in COLUMNS.iter().zip(row.cells()) {
        let value = match cell {
            Cell::Text(text) => text.map_or(Value::Null, Value::from),
            Cell::List(values) => Value::from(values.to_vec()),
            Cell::Number(number) => number.map_or(Value::Null, Value::from),
        };
        properties.insert((*name).to_owned(), value);
    }
    let geometry = row.point.map(|(lat, lon)| Geometry::new_point([lon, lat]));
    Feature {
        bbox: None,
        geometry,
        id: Some(Id::String(row.page.clone())),
        properties: Some(properties),
        foreign_members: None,
    }
}
