//! CSV for spreadsheets: UTF-8 with a byte-order mark, CRLF line ends, a header row, several
//! values of one column joined by `; `.

use super::ExportError;
use super::row::{COLUMNS, Cell, InitiativeRow};

/// What makes spreadsheet programs read the file as UTF-8 rather than their legacy encoding.
const BYTE_ORDER_MARK: &[u8] = "\u{feff}".as_bytes();
/// Between the values of a column holding several (themes, carriers, publics).
const LIST_SEPARATOR: &str = "; ";

/// Writes rows as CSV into the chunks of an export.
pub(super) struct CsvWriter {
    writer: csv::Writer<Vec<u8>>,
}

impl CsvWriter {
    pub(super) fn new() -> Self {
        Self {
            writer: new_writer(),
        }
    }

    /// The byte-order mark and the header row.
    pub(super) fn begin(&mut self, out: &mut Vec<u8>) -> Result<(), ExportError> {
        out.extend_from_slice(BYTE_ORDER_MARK);
        self.writer.write_record(COLUMNS)?;
        Ok(())
    }

    /// Writes a row into the writer's buffer; [`Self::drain_into`] hands the bytes over.
    pub(super) fn write(&mut self, row: &InitiativeRow) -> Result<(), ExportError> {
        let fields = row.cells().map(|cell| match cell {
            Cell::Text(text) => text.unwrap_or_default().to_owned(),
            Cell::List(values) => values.join(LIST_SEPARATOR),
            Cell::Number(number) => number.map(|number| number.to_string()).unwrap_or_default(),
        });
        self.writer.write_record(&fields)?;
        Ok(())
    }

    /// Appends what was written since the last call to `out`.
    pub(super) fn drain_into(&mut self, out: &mut Vec<u8>) -> Result<(), ExportError> {
        let writer = std::mem::replace(&mut self.writer, new_writer());
        let written = writer
            .into_inner()
            .map_err(|error| csv::Error::from(error.into_error()))?;
        out.extend_from_slice(&written);
        Ok(())
    }
}

fn new_writer() -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_quoted_and_lists_joined_after_a_byte_order_mark_and_a_header() {
        let row = InitiativeRow {
            name: "Café \"solidaire\", épicerie".into(),
            description: Some("Deux\nlignes".into()),
            themes: vec!["Inclusion numérique".into(), "Accès aux droits".into()],
            point: Some((45.5, -0.25)),
            page: "http://example.test/initiative/s/1".into(),
            ..InitiativeRow::default()
        };
        let mut writer = CsvWriter::new();
        let mut out = Vec::new();
        writer.begin(&mut out).unwrap();
        writer.write(&row).unwrap();
        writer.drain_into(&mut out).unwrap();

        assert!(out.starts_with(BYTE_ORDER_MARK));
        let mut reader = csv::Reader::from_reader(&out[BYTE_ORDER_MARK.len()..]);
        assert_eq!(reader.headers().unwrap().len(), COLUMNS.len());
        let record = reader.records().next().unwrap().unwrap();
        let value =
            |column: &str| record[COLUMNS.iter().position(|c| *c == column).unwrap()].to_owned();
        assert_eq!(value("nom"), row.name);
        assert_eq!(value("description"), "Deux\nlignes");
        assert_eq!(value("themes"), "Inclusion numérique; Accès aux droits");
        assert_eq!(value("longitude"), "-0.25");
        assert_eq!(value("commune"), "");
        assert!(out.ends_with(b"\r\n"));
    }
}
