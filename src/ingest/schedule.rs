//! Harvest schedules: ISO 8601 durations such as `P1D`, `PT6H`, `P1M`.

use std::time::Duration;

/// The length of an ISO 8601 duration, months counted as 30 days and years as 365.
pub fn parse_period(text: &str) -> Option<Duration> {
    let text = text.trim().strip_prefix('P')?;
    let (date_part, time_part) = match text.split_once('T') {
        Some((date, time)) => (date, Some(time)),
        None => (text, None),
    };
    let mut seconds = sum_units(
        date_part,
        &[
            ('Y', 365 * 86_400),
            ('M', 30 * 86_400),
            ('W', 7 * 86_400),
            ('D', 86_400),
        ],
    )?;
    if let Some(time) = time_part {
        if time.is_empty() {
            return None;
        }
        seconds += sum_units(time, &[('H', 3_600), ('M', 60), ('S', 1)])?;
    }
    (seconds > 0).then(|| Duration::from_secs(seconds))
}

/// Sums `<number><unit>` pairs whose units appear in `units`' order.
fn sum_units(text: &str, units: &[(char, u64)]) -> Option<u64> {
    let mut total = 0u64;
    let mut number = String::new();
    let mut next_unit = 0;
    for character in text.chars() {
        if character.is_ascii_digit() {
            number.push(character);
            continue;
        }
        let position = units[next_unit..]
            .iter()
            .position(|(unit, _)| *unit == character)?;
        let value: u64 = number.parse().ok()?;
        total = total.checked_add(value.checked_mul(units[next_unit + position].1)?)?;
        number.clear();
        next_unit += position + 1;
    }
    number.is_empty().then_some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_of_days_hours_and_months() {
        assert_eq!(parse_period("P1D"), Some(Duration::from_secs(86_400)));
        assert_eq!(parse_period("PT6H"), Some(Duration::from_secs(21_600)));
        assert_eq!(parse_period("P1M"), Some(Duration::from_secs(30 * 86_400)));
        assert_eq!(parse_period("P1DT12H"), Some(Duration::from_secs(129_600)));
    }

    #[test]
    fn malformed_durations_are_refused() {
        for text in ["1D", "P", "PT", "P1H", "PD", "P1D2", "weekly"] {
            assert_eq!(parse_period(text), None, "{text}");
        }
    }
}
