//! Horizontal bar charts laid out on the server and drawn as SVG by
//! `templates/partials/bar_chart.html`, with their numbers as a table and as CSV.

use serde::Serialize;

/// Width of the drawing, in SVG units.
const WIDTH: f64 = 480.0;
/// Room kept right of the longest bar for its value.
const VALUE_ROOM: f64 = 120.0;
const LABEL_HEIGHT: f64 = 20.0;
const BAR_HEIGHT: f64 = 16.0;
const BAR_GAP: f64 = 2.0;
const ROW_GAP: f64 = 10.0;

/// A chart ready for the template: rows of bars, one bar per series.
#[derive(Debug, Clone, Serialize)]
pub struct BarChart {
    /// Fragment identifier, unique on the page.
    pub id: String,
    pub title: String,
    /// Names of the series, in bar order (one series: no legend).
    pub series: Vec<String>,
    pub rows: Vec<BarRow>,
    /// Height of the drawing, in SVG units.
    pub height: f64,
    pub width: f64,
    /// Link to the numbers as CSV.
    pub csv: Option<String>,
    /// The SPARQL query behind the chart, and a link opening it in the query editor.
    pub query: Option<String>,
    /// Said when there is nothing to draw.
    pub empty: &'static str,
}

/// One category of a chart.
#[derive(Debug, Clone, Serialize)]
pub struct BarRow {
    pub label: String,
    /// Baseline of the label.
    pub y: f64,
    pub bars: Vec<Bar>,
}

/// One bar.
#[derive(Debug, Clone, Serialize)]
pub struct Bar {
    pub series: usize,
    /// The value as shown: a count or a percentage.
    pub text: String,
    pub y: f64,
    pub width: f64,
    pub height: f64,
}

/// A value of a series: what is drawn (a count or a share) and what is written.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum BarValue {
    Count(u64),
    /// A share between 0 and 1, with the count it comes from.
    Share(f64, u64),
}

impl BarValue {
    fn magnitude(self) -> f64 {
        match self {
            BarValue::Count(count) => count as f64,
            BarValue::Share(share, _) => share,
        }
    }

    fn text(self) -> String {
        match self {
            BarValue::Count(count) => group_digits(count),
            BarValue::Share(share, count) => {
                format!("{} % ({})", format_percent(share), group_digits(count))
            }
        }
    }
}

impl BarChart {
    /// Lays out `rows` of (label, one value per series); bars are scaled to the largest value.
    pub fn new(
        id: &str,
        title: &str,
        series: Vec<String>,
        rows: &[(String, Vec<BarValue>)],
    ) -> Self {
        let largest = rows
            .iter()
            .flat_map(|(_, values)| values.iter().map(|value| value.magnitude()))
            .fold(0.0, f64::max);
        let scale = if largest > 0.0 {
            (WIDTH - VALUE_ROOM) / largest
        } else {
            0.0
        };
        let mut y = 0.0;
        let mut laid_out = Vec::with_capacity(rows.len());
        for (label, values) in rows {
            let label_y = y + LABEL_HEIGHT - 5.0;
            y += LABEL_HEIGHT;
            let mut bars = Vec::with_capacity(values.len());
            for (series, value) in values.iter().enumerate() {
                bars.push(Bar {
                    series,
                    text: value.text(),
                    y,
                    width: round_tenth(value.magnitude() * scale),
                    height: BAR_HEIGHT,
                });
                y += BAR_HEIGHT + BAR_GAP;
            }
            y += ROW_GAP;
            laid_out.push(BarRow {
                label: label.clone(),
                y: label_y,
                bars,
            });
        }
        BarChart {
            id: id.to_owned(),
            title: title.to_owned(),
            series,
            rows: laid_out,
            height: y.max(1.0),
            width: WIDTH,
            csv: None,
            query: None,
            empty: "Aucune donnée pour l'instant.",
        }
    }

    /// Links the chart to its CSV.
    pub fn with_csv(mut self, href: String) -> Self {
        self.csv = Some(href);
        self
    }

    /// Shows the SPARQL query behind the chart.
    pub fn with_query(mut self, text: &str) -> Self {
        self.query = Some(text.to_owned());
        self
    }
}

/// A count with thin spaces between groups of three digits, as French writes numbers.
pub fn group_digits(count: u64) -> String {
    let digits = count.to_string();
    let mut grouped = String::with_capacity(digits.len() + 4);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            grouped.push('\u{202F}');
        }
        grouped.push(digit);
    }
    grouped
}

/// A share as a French percentage with one decimal below 10 %.
fn format_percent(share: f64) -> String {
    let percent = share * 100.0;
    if percent < 10.0 && percent > 0.0 {
        format!("{percent:.1}").replace('.', ",")
    } else {
        format!("{percent:.0}")
    }
}

fn round_tenth(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_largest_bar_fills_the_drawing_less_room_for_its_value() {
        let rows = vec![
            ("Gironde".to_owned(), vec![BarValue::Count(44)]),
            ("Landes".to_owned(), vec![BarValue::Count(11)]),
        ];
        let chart = BarChart::new("c", "Initiatives", vec!["Nombre".into()], &rows);
        assert_eq!(chart.rows[0].bars[0].width, WIDTH - VALUE_ROOM);
        assert_eq!(chart.rows[1].bars[0].width, 90.0);
        // Two rows of a label and one bar, each followed by the gap.
        assert_eq!(
            chart.height,
            2.0 * (LABEL_HEIGHT + BAR_HEIGHT + BAR_GAP + ROW_GAP)
        );
    }

    #[test]
    fn values_are_written_the_french_way() {
        assert_eq!(BarValue::Count(12_345).text(), "12\u{202F}345");
        assert_eq!(BarValue::Share(0.052, 3).text(), "5,2 % (3)");
        assert_eq!(BarValue::Share(0.5, 1_000).text(), "50 % (1\u{202F}000)");
    }
}
