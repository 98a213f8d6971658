//! XSD literals: whether a lexical form is valid for its datatype, and how two literals compare
//! under SPARQL operator semantics (numbers across types, strings, booleans, dates, durations).

use std::cmp::Ordering;
use std::str::FromStr;

use oxrdf::vocab::xsd;
use oxrdf::{Literal, NamedNodeRef, Term};
use oxsdatatypes::{
    Date, DateTime, DayTimeDuration, Decimal, Duration, GDay, GMonth, GMonthDay, GYear, GYearMonth,
    Time, YearMonthDuration,
};

/// Whether the lexical form is valid for the datatype; literals of unknown datatypes pass.
pub(super) fn is_well_formed(literal: &Literal) -> bool {
    let datatype = literal.datatype();
    let lexical = literal.value();
    if let Some(bounds) = integer_bounds(datatype) {
        return is_integer_within(lexical, bounds);
    }
    match datatype {
        d if d == xsd::BOOLEAN => matches!(lexical, "true" | "false" | "1" | "0"),
        d if d == xsd::DECIMAL => is_decimal_lexical(lexical),
        d if d == xsd::FLOAT || d == xsd::DOUBLE => is_floating_lexical(lexical),
        d if d == xsd::DATE_TIME_STAMP => {
            DateTime::from_str(lexical).is_ok_and(|value| value.timezone_offset().is_some())
        }
        d if d == xsd::HEX_BINARY => {
            lexical.len().is_multiple_of(2) && lexical.bytes().all(|byte| byte.is_ascii_hexdigit())
        }
        d if d == xsd::LANGUAGE => is_language_tag(lexical),
        _ => !matches!(parse_temporal(datatype, lexical), Some(None)),
    }
}

/// Compares two terms as SPARQL's `<` would; `None` when they are not comparable.
pub(super) fn compare(left: &Term, right: &Term) -> Option<Ordering> {
    let (Term::Literal(left), Term::Literal(right)) = (left, right) else {
        return None;
    };
    match (value_of(left)?, value_of(right)?) {
        (Value::Number(left), Value::Number(right)) => left.compare(right),
        (Value::String(left), Value::String(right)) => Some(left.cmp(right)),
        (Value::Boolean(left), Value::Boolean(right)) => Some(left.cmp(&right)),
        (Value::Temporal(left), Value::Temporal(right)) => left.compare(&right),
        _ => None,
    }
}

/// The value of a literal, as far as comparisons need it.
enum Value<'a> {
    Number(Number),
    String(&'a str),
    Boolean(bool),
    Temporal(Temporal),
}

/// A numeric value: exact while it fits a decimal, approximate otherwise.
#[derive(Clone, Copy)]
enum Number {
    Exact(Decimal),
    Approximate(f64),
}

impl Number {
    fn compare(self, other: Self) -> Option<Ordering> {
        match (self, other) {
            (Self::Exact(left), Self::Exact(right)) => Some(left.cmp(&right)),
            (left, right) => left.approximate().partial_cmp(&right.approximate()),
        }
    }

    fn approximate(self) -> f64 {
        match self {
            Self::Exact(value) => f64::from(oxsdatatypes::Double::from(value)),
            Self::Approximate(value) => value,
        }
    }
}

/// Date, time and duration values; only values of the same kind compare.
enum Temporal {
    DateTime(DateTime),
    Date(Date),
    Time(Time),
    GYear(GYear),
    GYearMonth(GYearMonth),
    GMonth(GMonth),
    GMonthDay(GMonthDay),
    GDay(GDay),
    Duration(Duration),
}

impl Temporal {
    fn compare(&self, other: &Self) -> Option<Ordering> {
        match (self, other) {
            (Self::DateTime(left), Self::DateTime(right)) => left.partial_cmp(right),
            (Self::Date(left), Self::Date(right)) => left.partial_cmp(right),
            (Self::Time(left), Self::Time(right)) => left.partial_cmp(right),
            (Self::GYear(left), Self::GYear(right)) => left.partial_cmp(right),
            (Self::GYearMonth(left), Self::GYearMonth(right)) => left.partial_cmp(right),
            (Self::GMonth(left), Self::GMonth(right)) => left.partial_cmp(right),
            (Self::GMonthDay(left), Self::GMonthDay(right)) => left.partial_cmp(right),
            (Self::GDay(left), Self::GDay(right)) => left.partial_cmp(right),
            (Self::Duration(left), Self::Duration(right)) => left.partial_cmp(right),
            _ => None,
        }
    }
}

fn value_of(literal: &Literal) -> Option<Value<'_>> {
    let datatype = literal.datatype();
    let lexical = literal.value();
    if datatype == xsd::STRING {
        return Some(Value::String(lexical));
    }
    if datatype == xsd::BOOLEAN {
        return match lexical {
            "true" | "1" => Some(Value::Boolean(true)),
            "false" | "0" => Some(Value::Boolean(false)),
            _ => None,
        };
    }
    if let Some(number) = number_of(datatype, lexical) {
        return Some(Value::Number(number));
    }
    parse_temporal(datatype, lexical)
        .flatten()
        .map(Value::Temporal)
}

fn number_of(datatype: NamedNodeRef<'_>, lexical: &str) -> Option<Number> {
    let is_exact_kind = datatype == xsd::DECIMAL || integer_bounds(datatype).is_some();
    if is_exact_kind {
        let valid = if datatype == xsd::DECIMAL {
            is_decimal_lexical(lexical)
        } else {
            is_integer_within(lexical, integer_bounds(datatype)?)
        };
        if !valid {
            return None;
        }
        // Values too large or too precise for a decimal are still comparable as floats.
        return Some(match Decimal::from_str(lexical) {
            Ok(value) => Number::Exact(value),
            Err(_) => Number::Approximate(lexical.parse().ok()?),
        });
    }

    let is_floating_kind = datatype == xsd::FLOAT || datatype == xsd::DOUBLE;
    if !is_floating_kind || !is_floating_lexical(lexical) {
        return None;
    }
    Some(Number::Approximate(match lexical.trim_start_matches('+') {
        "INF" => f64::INFINITY,
        "-INF" => f64::NEG_INFINITY,
        other => other.parse().ok()?,
    }))
}

/// `None` if the datatype is not temporal, `Some(None)` if it is but the form is invalid.
fn parse_temporal(datatype: NamedNodeRef<'_>, lexical: &str) -> Option<Option<Temporal>> {
    fn parse<T: FromStr>(lexical: &str, wrap: fn(T) -> Temporal) -> Option<Option<Temporal>> {
        Some(T::from_str(lexical).ok().map(wrap))
    }

    match datatype {
        d if d == xsd::DATE_TIME || d == xsd::DATE_TIME_STAMP => parse(lexical, Temporal::DateTime),
        d if d == xsd::DATE => parse(lexical, Temporal::Date),
        d if d == xsd::TIME => parse(lexical, Temporal::Time),
        d if d == xsd::G_YEAR => parse(lexical, Temporal::GYear),
        d if d == xsd::G_YEAR_MONTH => parse(lexical, Temporal::GYearMonth),
        d if d == xsd::G_MONTH => parse(lexical, Temporal::GMonth),
        d if d == xsd::G_MONTH_DAY => parse(lexical, Temporal::GMonthDay),
        d if d == xsd::G_DAY => parse(lexical, Temporal::GDay),
        d if d == xsd::DURATION => parse(lexical, Temporal::Duration),
        d if d == xsd::DAY_TIME_DURATION => parse(lexical, |value: DayTimeDuration| {
            Temporal::Duration(value.into())
        }),
        d if d == xsd::YEAR_MONTH_DURATION => parse(lexical, |value: YearMonthDuration| {
            Temporal::Duration(value.into())
        }),
        _ => None,
    }
}

/// Inclusive bounds of the integer datatypes; `None` for datatypes that are not integers.
fn integer_bounds(datatype: NamedNodeRef<'_>) -> Option<(Option<i128>, Option<i128>)> {
    let signed = |min: i64, max: i64| (Some(i128::from(min)), Some(i128::from(max)));
    let unsigned = |max: u64| (Some(0), Some(i128::from(max)));
    Some(match datatype {
        d if d == xsd::INTEGER => (None, None),
        d if d == xsd::NON_POSITIVE_INTEGER => (None, Some(0)),
        d if d == xsd::NEGATIVE_INTEGER => (None, Some(-1)),
        d if d == xsd::NON_NEGATIVE_INTEGER => (Some(0), None),
        d if d == xsd::POSITIVE_INTEGER => (Some(1), None),
        d if d == xsd::LONG => signed(i64::MIN, i64::MAX),
        d if d == xsd::INT => signed(i32::MIN.into(), i32::MAX.into()),
        d if d == xsd::SHORT => signed(i16::MIN.into(), i16::MAX.into()),
        d if d == xsd::BYTE => signed(i8::MIN.into(), i8::MAX.into()),
        d if d == xsd::UNSIGNED_LONG => unsigned(u64::MAX),
        d if d == xsd::UNSIGNED_INT => unsigned(u32::MAX.into()),
        d if d == xsd::UNSIGNED_SHORT => unsigned(u16::MAX.into()),
        d if d == xsd::UNSIGNED_BYTE => unsigned(u8::MAX.into()),
        _ => return None,
    })
}

/// Whether the form is `[+-]?[0-9]+` and its value lies within the inclusive bounds.
fn is_integer_within(lexical: &str, (min, max): (Option<i128>, Option<i128>)) -> bool {
    let (negative, digits) = split_sign(lexical);
    if digits.is_empty() || !digits.bytes().all(|byte| byte.is_ascii_digit()) {
        return false;
    }

    let significant = digits.trim_start_matches('0');
    let magnitude = if significant.is_empty() {
        Some(0)
    } else {
        significant.parse::<i128>().ok()
    };
    match magnitude {
        Some(magnitude) => {
            let value = if negative { -magnitude } else { magnitude };
            min.is_none_or(|min| value >= min) && max.is_none_or(|max| value <= max)
        }
        // Beyond i128 only an unbounded side can accept the value.
        None if negative => min.is_none(),
        None => max.is_none(),
    }
}

/// Whether the form is `[+-]?([0-9]+(.[0-9]*)?|.[0-9]+)`.
fn is_decimal_lexical(lexical: &str) -> bool {
    let (_, unsigned) = split_sign(lexical);
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let all_digits = |part: &str| part.bytes().all(|byte| byte.is_ascii_digit());
    (!whole.is_empty() || !fraction.is_empty()) && all_digits(whole) && all_digits(fraction)
}

/// Whether the form is a valid `xsd:float` or `xsd:double`, including `INF` and `NaN`.
fn is_floating_lexical(lexical: &str) -> bool {
    if matches!(lexical, "INF" | "+INF" | "-INF" | "NaN") {
        return true;
    }
    let (mantissa, exponent) = match lexical.split_once(['e', 'E']) {
        Some((mantissa, exponent)) => (mantissa, Some(exponent)),
        None => (lexical, None),
    };
    let exponent_ok = exponent.is_none_or(|exponent| {
        let (_, digits) = split_sign(exponent);
        !digits.is_empty() && digits.bytes().all(|byte| byte.is_ascii_digit())
    });
    is_decimal_lexical(mantissa) && exponent_ok
}

/// Whether the form is a BCP 47-shaped tag: letters, then dash-separated alphanumeric parts.
fn is_language_tag(lexical: &str) -> bool {
    let mut parts = lexical.split('-');
    let primary = parts.next().unwrap_or_default();
    let primary_ok =
        (1..=8).contains(&primary.len()) && primary.bytes().all(|byte| byte.is_ascii_alphabetic());
    primary_ok
        && parts.all(|part| {
            (1..=8).contains(&part.len()) && part.bytes().all(|byte| byte.is_ascii_alphanumeric())
        })
}

/// Splits an optional leading sign; returns whether it was a minus.
fn split_sign(lexical: &str) -> (bool, &str) {
    match lexical.as_bytes().first() {
        Some(b'-') => (true, &lexical[1..]),
        Some(b'+') => (false, &lexical[1..]),
        _ => (false, lexical),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(lexical: &str, datatype: NamedNodeRef<'_>) -> Literal {
        Literal::new_typed_literal(lexical, datatype)
    }

    fn term(lexical: &str, datatype: NamedNodeRef<'_>) -> Term {
        typed(lexical, datatype).into()
    }

    #[test]
    fn integers_are_checked_for_form_and_range() {
        assert!(is_well_formed(&typed("55", xsd::BYTE)));
        assert!(is_well_formed(&typed("-128", xsd::BYTE)));
        assert!(!is_well_formed(&typed("300", xsd::BYTE)));
        assert!(!is_well_formed(&typed("c", xsd::BYTE)));
        assert!(!is_well_formed(&typed("abc", xsd::INTEGER)));
        assert!(is_well_formed(&typed(
            "+123456789012345678901234567890123456789012",
            xsd::INTEGER
        )));
        assert!(!is_well_formed(&typed("-0", xsd::POSITIVE_INTEGER)));
        assert!(is_well_formed(&typed("-0", xsd::NON_NEGATIVE_INTEGER)));
    }

    #[test]
    fn other_datatypes_are_checked_for_form() {
        assert!(is_well_formed(&typed("1.5e3", xsd::DOUBLE)));
        assert!(is_well_formed(&typed("-INF", xsd::FLOAT)));
        assert!(!is_well_formed(&typed("inf", xsd::DOUBLE)));
        assert!(!is_well_formed(&typed("1.2.3", xsd::DECIMAL)));
        assert!(is_well_formed(&typed(".5", xsd::DECIMAL)));
        assert!(!is_well_formed(&typed("yes", xsd::BOOLEAN)));
        assert!(is_well_formed(&typed("2024-02-29", xsd::DATE)));
        assert!(!is_well_formed(&typed("2023-02-29", xsd::DATE)));
        assert!(!is_well_formed(&typed(
            "2024-01-01T00:00:00",
            xsd::DATE_TIME_STAMP
        )));
        assert!(is_well_formed(&typed("anything", xsd::ANY_URI)));
    }

    #[test]
    fn numbers_compare_across_numeric_types() {
        let one = term("1", xsd::INTEGER);
        assert_eq!(
            compare(&one, &term("1.0", xsd::DECIMAL)),
            Some(Ordering::Equal)
        );
        assert_eq!(
            compare(&one, &term("1.5e0", xsd::DOUBLE)),
            Some(Ordering::Less)
        );
        assert_eq!(compare(&term("NaN", xsd::DOUBLE), &one), None);
        assert_eq!(compare(&term("x", xsd::INTEGER), &one), None);
    }

    #[test]
    fn different_kinds_do_not_compare() {
        let one = term("1", xsd::INTEGER);
        assert_eq!(
            compare(&one, &Literal::new_simple_literal("1").into()),
            None
        );
        let english = Literal::new_language_tagged_literal_unchecked("a", "en");
        assert_eq!(compare(&english.clone().into(), &english.into()), None);
        assert_eq!(
            compare(&term("a", xsd::STRING), &term("b", xsd::STRING)),
            Some(Ordering::Less)
        );
    }

    #[test]
    fn date_times_with_and_without_zone_may_be_indeterminate() {
        let zoned = term("2020-01-01T00:00:00Z", xsd::DATE_TIME);
        let local = term("2020-01-01T05:00:00", xsd::DATE_TIME);
        let later = term("2020-01-03T00:00:00", xsd::DATE_TIME);
        assert_eq!(compare(&zoned, &local), None);
        assert_eq!(compare(&zoned, &later), Some(Ordering::Less));
    }
}
