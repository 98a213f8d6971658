//! Value mappings: how a descriptor turns a record's fields into clean values.
//!
//! A mapping is a field name (`"lib_fs"`), a template (`"{adresse} {complement}"`), a fixed
//! list (`["theme/inclusion"]`) or a table of steps applied in this order: read (`field`,
//! `template` or `value`), drop placeholders (`null_values`), `split` (at one separator or at
//! any of several), `replace`, `extract` + `format`, `pad`, `map` (value table), `rules` (first
//! match wins; an output may hold `{field}` placeholders), `default`. A value that neither the
//! table nor the rules turn into an output is dropped, or kept as it is with `keep_unmapped`.

use std::collections::BTreeMap;
use std::fmt;

use regex::Regex;
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};

use super::record::Record;
use crate::text::fold;

/// How to compute one property's values from a record.
#[derive(Debug, Clone)]
pub enum ValueSpec {
    /// A field name, or a template when the text holds `{field}` placeholders.
    Field(String),
    /// Fixed values, whatever the record says.
    List(Vec<String>),
    /// A table of steps.
    Rule(Box<ValueRule>),
    /// Several mappings whose values add up; in a list, strings are fixed values.
    Many(Vec<ValueSpec>),
}

/// The steps of a value mapping; see the module documentation for their order.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValueRule {
    /// Field to read (dotted path for nested JSON).
    pub field: Option<String>,
    /// Template with `{field}` placeholders.
    pub template: Option<String>,
    /// A fixed value.
    pub value: Option<String>,
    /// Extra placeholder values for this mapping only.
    #[serde(default)]
    pub null_values: Vec<String>,
    /// Separator between several values in one field, or a list of separators.
    pub split: Option<Separators>,
    /// `[pattern, replacement]`: a regular-expression substitution.
    #[serde(default, deserialize_with = "deserialize_replace")]
    pub replace: Option<(Regex, String)>,
    /// A regular expression the value must match; its groups feed `format`.
    #[serde(default, deserialize_with = "deserialize_regex")]
    pub extract: Option<Regex>,
    /// Output built from `extract`'s groups: `{1}`, `{2}`... (default: the whole match).
    pub format: Option<String>,
    /// Left-pad values made only of digits with zeros to this width (postcodes stored as
    /// numbers lose their leading zero).
    pub pad: Option<usize>,
    /// Value table: source value (compared ignoring case and accents) → one or more outputs.
    /// Values not in the table are dropped unless `keep_unmapped` is true.
    pub map: Option<ValueTable>,
    /// Keep values that neither the table nor the rules give an output for.
    #[serde(default)]
    pub keep_unmapped: bool,
    /// Pattern rules; the first that matches gives the output.
    #[serde(default)]
    pub rules: Vec<MatchRule>,
    /// Output when nothing else gave a value.
    pub default: Option<OneOrMany>,
}

/// A rule of a mapping: when the value (or another field) contains a text or matches a
/// pattern, output `value`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatchRule {
    /// Test this field instead of the value being mapped.
    pub field: Option<String>,
    /// Matches when the tested text contains this, ignoring case and accents.
    pub contains: Option<String>,
    /// Matches when the tested text matches this regular expression.
    #[serde(default, deserialize_with = "deserialize_regex")]
    pub pattern: Option<Regex>,
    /// The output; `{field}` placeholders in it are filled from the record.
    pub value: OneOrMany,
}

/// One output or several.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    /// A single output.
    One(String),
    /// Several outputs.
    Many(Vec<String>),
}

impl OneOrMany {
    fn values(&self) -> Vec<String> {
        match self {
            Self::One(value) => vec![value.clone()],
            Self::Many(values) => values.clone(),
        }
    }
}

/// Where to cut a field holding several values: one separator (`" / "`) or several
/// (`["-", " "]`), any of which ends a value.
#[derive(Debug, Clone, Deserialize)]
#[serde(from = "OneOrMany")]
pub struct Separators(Vec<String>);

impl From<OneOrMany> for Separators {
    fn from(separators: OneOrMany) -> Self {
        Self(separators.values())
    }
}

impl Separators {
    /// The parts of `text` between separators, trimmed, without empty ones.
    pub fn split(&self, text: &str) -> Vec<String> {
        let mut parts = vec![text.to_owned()];
        for separator in self.0.iter().filter(|separator| !separator.is_empty()) {
            parts = parts
                .iter()
                .flat_map(|part| part.split(separator.as_str()))
                .map(str::to_owned)
                .collect();
        }
        parts
            .into_iter()
            .map(|part| part.trim().to_owned())
            .filter(|part| !part.is_empty())
            .collect()
    }
}

/// A value table whose keys are compared ignoring case and accents.
#[derive(Debug, Clone, Default)]
pub struct ValueTable {
    entries: Vec<(String, Vec<String>)>,
}

impl ValueTable {
    fn lookup(&self, value: &str) -> Option<&[String]> {
        let key = fold(value);
        self.entries
            .iter()
            .find(|(entry, _)| *entry == key)
            .map(|(_, targets)| targets.as_slice())
    }
}

impl<'de> Deserialize<'de> for ValueTable {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = BTreeMap::<String, OneOrMany>::deserialize(deserializer)?;
        let entries = raw
            .into_iter()
            .map(|(key, targets)| (fold(&key), targets.values()))
            .collect();
        Ok(Self { entries })
    }
}

impl ValueSpec {
    /// The values this mapping gives for `record`; `nulls` are the source's placeholders.
    pub fn values(&self, record: &Record, nulls: &[String]) -> Vec<String> {
        match self {
            Self::List(values) => values.clone(),
            Self::Field(text) if text.contains('{') => {
                render_template(text, record, nulls).into_iter().collect()
            }
            Self::Field(field) => read_field(record, field, nulls),
            Self::Rule(rule) => rule.values(record, nulls),
            Self::Many(specs) => {
                let mut values = Vec::new();
                for spec in specs {
                    for value in spec.values(record, nulls) {
                        if !values.contains(&value) {
                            values.push(value);
                        }
                    }
                }
                values
            }
        }
    }

    /// The first value, if any.
    pub fn first(&self, record: &Record, nulls: &[String]) -> Option<String> {
        self.values(record, nulls).into_iter().next()
    }
}

impl ValueRule {
    fn values(&self, record: &Record, nulls: &[String]) -> Vec<String> {
        let nulls: Vec<String> = nulls.iter().chain(&self.null_values).cloned().collect();
        let mut values = if let Some(field) = &self.field {
            read_field(record, field, &nulls)
        } else if let Some(template) = &self.template {
            render_template(template, record, &nulls)
                .into_iter()
                .collect()
        } else {
            self.value.iter().cloned().collect()
        };

        if let Some(separators) = &self.split {
            values = values
                .iter()
                .flat_map(|value| separators.split(value))
                .collect();
        }
        let mut output: Vec<String> = Vec::new();
        for value in values {
            let value = value.trim();
            if value.is_empty() || is_null(value, &nulls) {
                continue;
            }
            for mapped in self.transform(value, record, &nulls) {
                if !output.contains(&mapped) {
                    output.push(mapped);
                }
            }
        }

        if output.is_empty()
            && let Some(default) = &self.default
        {
            return default.values();
        }
        output
    }

    fn transform(&self, value: &str, record: &Record, nulls: &[String]) -> Vec<String> {
        let mut value = value.to_owned();
        if let Some((pattern, replacement)) = &self.replace {
            value = pattern
                .replace_all(&value, replacement.as_str())
                .trim()
                .to_owned();
        }
        if let Some(pattern) = &self.extract {
            let Some(captures) = pattern.captures(&value) else {
                return Vec::new();
            };
            value = match &self.format {
                Some(format) => fill_groups(format, &captures),
                None => captures[0].to_owned(),
            };
        }
        if let Some(width) = self.pad
            && value.len() < width
            && value.chars().all(|c| c.is_ascii_digit())
        {
            value = format!("{value:0>width$}");
        }
        if value.is_empty() {
            return Vec::new();
        }
        if let Some(table) = &self.map {
            match table.lookup(&value) {
                Some(targets) => return targets.to_vec(),
                None if !self.keep_unmapped && self.rules.is_empty() => return Vec::new(),
                None => (),
            }
        }
        if !self.rules.is_empty() {
            match self.apply_rules(&value, record, nulls) {
                Some(outputs) => return outputs,
                None if !self.keep_unmapped => return Vec::new(),
                None => (),
            }
        }
        vec![value]
    }

    /// The outputs of the first rule that matches, if one does.
    fn apply_rules(&self, value: &str, record: &Record, nulls: &[String]) -> Option<Vec<String>> {
        for rule in &self.rules {
            let tested = match &rule.field {
                Some(field) => record.text(field).unwrap_or_default(),
                None => value.to_owned(),
            };
            let contains = rule
                .contains
                .as_ref()
                .is_some_and(|needle| fold(&tested).contains(&fold(needle)));
            let matches = rule
                .pattern
                .as_ref()
                .is_some_and(|pattern| pattern.is_match(&tested));
            if contains || matches {
                let outputs = rule.value.values().into_iter().filter_map(|output| {
                    if output.contains('{') {
                        render_template(&output, record, nulls)
                    } else {
                        Some(output)
                    }
                });
                return Some(outputs.collect());
            }
        }
        None
    }
}

fn read_field(record: &Record, field: &str, nulls: &[String]) -> Vec<String> {
    record
        .values(field)
        .into_iter()
        .map(|value| value.trim().to_owned())
        .filter(|value| !value.is_empty() && !is_null(value, nulls))
        .collect()
}

/// Fills `{field}` placeholders; `None` when every placeholder is empty. A part written in
/// square brackets, `[Lundi : {h_lundi}. ]`, is kept only when one of its placeholders has a
/// value.
fn render_template(template: &str, record: &Record, nulls: &[String]) -> Option<String> {
    let mut output = String::new();
    let mut any_value = false;
    let mut rest = template;
    while let Some(start) = rest.find('[') {
        let Some(length) = rest[start..].find(']') else {
            break;
        };
        if let Some(text) = fill_placeholders(&rest[..start], record, nulls) {
            output.push_str(&text);
            any_value = true;
        } else {
            output.push_str(&strip_placeholders(&rest[..start]));
        }
        if let Some(text) = fill_placeholders(&rest[start + 1..start + length], record, nulls) {
            output.push_str(&text);
            any_value = true;
        }
        rest = &rest[start + length + 1..];
    }
    if let Some(text) = fill_placeholders(rest, record, nulls) {
        output.push_str(&text);
        any_value = true;
    } else {
        output.push_str(&strip_placeholders(rest));
    }
    let collapsed = output.split_whitespace().collect::<Vec<_>>().join(" ");
    any_value.then_some(collapsed)
}

/// Text without its placeholders.
fn strip_placeholders(text: &str) -> String {
    let mut output = String::new();
    let mut depth = 0;
    for character in text.chars() {
        match character {
            '{' => depth += 1,
            '}' => depth -= 1,
            c if depth == 0 => output.push(c),
            _ => (),
        }
    }
    output
}

/// Fills the placeholders of a text; `None` when none of them has a value.
fn fill_placeholders(template: &str, record: &Record, nulls: &[String]) -> Option<String> {
    let mut output = String::new();
    let mut any_value = false;
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        output.push_str(&rest[..start]);
        let Some(length) = rest[start..].find('}') else {
            output.push_str(&rest[start..]);
            rest = "";
            break;
        };
        let field = &rest[start + 1..start + length];
        let values = read_field(record, field, nulls);
        if !values.is_empty() {
            any_value = true;
            output.push_str(&values.join(", "));
        }
        rest = &rest[start + length + 1..];
    }
    output.push_str(rest);
    any_value.then_some(output)
}

fn fill_groups(format: &str, captures: &regex::Captures<'_>) -> String {
    let mut output = format.to_owned();
    for index in (0..captures.len()).rev() {
        let group = captures.get(index).map_or("", |group| group.as_str());
        output = output.replace(&format!("{{{index}}}"), group);
    }
    output
}

fn is_null(value: &str, nulls: &[String]) -> bool {
    nulls
        .iter()
        .any(|null| null.trim().eq_ignore_ascii_case(value.trim()))
}

impl<'de> Deserialize<'de> for ValueSpec {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ValueSpecVisitor)
    }
}

struct ValueSpecVisitor;

impl<'de> Visitor<'de> for ValueSpecVisitor {
    type Value = ValueSpec;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a field name, a \"{template}\", a list of fixed values or a table")
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<ValueSpec, E> {
        Ok(ValueSpec::Field(value.to_owned()))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<ValueSpec, A::Error> {
        let mut constants = Vec::new();
        let mut specs = Vec::new();
        while let Some(item) = seq.next_element::<ValueSpec>()? {
            match item {
                ValueSpec::Field(constant) => constants.push(constant),
                other => specs.push(other),
            }
        }
        if specs.is_empty() {
            return Ok(ValueSpec::List(constants));
        }
        specs.insert(0, ValueSpec::List(constants));
        Ok(ValueSpec::Many(specs))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<ValueSpec, A::Error> {
        let rule = ValueRule::deserialize(de::value::MapAccessDeserializer::new(map))?;
        let sources = [
            rule.field.is_some(),
            rule.template.is_some(),
            rule.value.is_some(),
        ];
        if sources.iter().filter(|given| **given).count() > 1 {
            return Err(de::Error::custom(
                "give only one of `field`, `template` and `value`",
            ));
        }
        Ok(ValueSpec::Rule(Box::new(rule)))
    }
}

fn deserialize_regex<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Regex>, D::Error> {
    let Some(pattern) = Option::<String>::deserialize(deserializer)? else {
        return Ok(None);
    };
    Regex::new(&pattern)
        .map(Some)
        .map_err(|error| de::Error::custom(format!("invalid regular expression: {error}")))
}

fn deserialize_replace<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<(Regex, String)>, D::Error> {
    let Some((pattern, replacement)) = Option::<(String, String)>::deserialize(deserializer)?
    else {
        return Ok(None);
    };
    let pattern = Regex::new(&pattern)
        .map_err(|error| de::Error::custom(format!("invalid regular expression: {error}")))?;
    Ok(Some((pattern, replacement)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(json: serde_json::Value) -> Record {
        Record::from_json(1, json.as_object().unwrap().clone())
    }

    fn spec(toml_value: &str) -> ValueSpec {
        #[derive(Deserialize)]
        struct Holder {
            v: ValueSpec,
        }
        toml::from_str::<Holder>(&format!("v = {toml_value}"))
            .unwrap()
            .v
    }

    #[test]
    fn a_postcode_stored_as_a_number_gets_its_zero_back() {
        let row = record(serde_json::json!({ "code_postal": 1100 }));
        assert_eq!(
            spec("{ field = \"code_postal\", pad = 5 }").values(&row, &[]),
            ["01100"]
        );
    }

    #[test]
    fn placeholders_are_not_values() {
        let row = record(serde_json::json!({ "siret": "null", "email": "@" }));
        let nulls = vec!["null".to_owned(), "@".to_owned()];
        assert!(spec("\"siret\"").values(&row, &nulls).is_empty());
        assert!(spec("\"email\"").values(&row, &nulls).is_empty());
    }

    #[test]
    fn a_date_is_rebuilt_from_its_parts() {
        let row = record(serde_json::json!({ "label": "Espace labellisé 01/02/2020" }));
        let mapping = spec(
            r#"{ field = "label", extract = '(\d{2})/(\d{2})/(\d{4})', format = "{3}-{2}-{1}" }"#,
        );
        assert_eq!(mapping.values(&row, &[]), ["2020-02-01"]);
    }

    #[test]
    fn a_rule_output_may_name_other_fields_and_unmatched_values_may_be_kept() {
        let mapping = spec(
            r#"{ field = "porteur", rules = [ { pattern = "^Mairie$", value = "Mairie de {ville}" } ], keep_unmapped = true }"#,
        );
        let generic = record(serde_json::json!({ "porteur": "Mairie", "ville": "Foix" }));
        let named = record(serde_json::json!({ "porteur": "La Poste", "ville": "Foix" }));
        assert_eq!(mapping.values(&generic, &[]), ["Mairie de Foix"]);
        assert_eq!(mapping.values(&named, &[]), ["La Poste"]);
    }

    #[test]
    fn a_value_table_ignores_case_and_accents_and_drops_the_unknown() {
        let row = record(serde_json::json!({ "codes": "ORDM-ACCN-XYZ" }));
        let mapping =
            spec(r#"{ field = "codes", split = "-", map = { ordm = "a", "accn" = ["b", "c"] } }"#);
        assert_eq!(mapping.values(&row, &[]), ["a", "b", "c"]);
    }

    #[test]
    fn a_field_is_cut_at_any_of_several_separators() {
        let row = record(serde_json::json!({ "publics": "TP-J DE-SEN TP " }));
        let mapping = spec(
            r#"{ field = "publics", split = ["-", " "], map = { TP = "t", J = "j", DE = "d", SEN = "s" } }"#,
        );
        assert_eq!(mapping.values(&row, &[]), ["t", "j", "d", "s"]);
    }

    #[test]
    fn the_first_matching_rule_wins_and_the_default_fills_the_rest() {
        let mapping = spec(
            r#"{ field = "nom", rules = [ { contains = "la poste", value = "x" }, { pattern = "^Bus", value = "y" } ], default = "z" }"#,
        );
        let poste = record(serde_json::json!({ "nom": "France services LA POSTE de Gex" }));
        let other = record(serde_json::json!({ "nom": "Maison France services" }));
        assert_eq!(mapping.values(&poste, &[]), ["x"]);
        assert_eq!(mapping.values(&other, &[]), ["z"]);
    }

    #[test]
    fn bracketed_parts_of_a_template_vanish_when_their_fields_are_empty() {
        let row = record(serde_json::json!({ "lundi": "9h-12h", "mardi": "" }));
        let mapping = spec("\"[Lundi : {lundi}. ][Mardi : {mardi}. ]\"");
        assert_eq!(mapping.values(&row, &[]), ["Lundi : 9h-12h."]);
    }

    #[test]
    fn a_list_adds_fixed_values_and_mapped_ones() {
        let row = record(serde_json::json!({ "nom": "France services La Poste" }));
        let mapping =
            spec(r#"["a", { field = "nom", rules = [ { contains = "poste", value = "b" } ] }]"#);
        assert_eq!(mapping.values(&row, &[]), ["a", "b"]);
    }

    #[test]
    fn a_template_with_only_empty_fields_gives_nothing() {
        let row = record(serde_json::json!({ "a": "", "b": "x" }));
        assert!(spec("\"{a}\"").values(&row, &[]).is_empty());
        assert_eq!(spec("\"{a} {b} !\"").values(&row, &[]), ["x !"]);
    }

    #[test]
    fn giving_two_sources_in_one_mapping_is_refused() {
        #[derive(Deserialize, Debug)]
        struct Holder {
            #[allow(dead_code)]
            v: ValueSpec,
        }
        let error = toml::from_str::<Holder>("v = { field = \"a\", value = \"b\" }").unwrap_err();
        assert!(error.to_string().contains("only one of"), "{error}");
    }
}
