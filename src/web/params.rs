//! Strict reading of `application/x-www-form-urlencoded` data (query strings and form bodies):
//! invalid percent-encoded UTF-8 is an error, never silently replaced.

/// Name-value pairs of a form, in order, names repeated as sent.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FormParams {
    pairs: Vec<(String, String)>,
}

/// A form that is not valid UTF-8 once decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the parameter {name:?} is not valid UTF-8 once percent-decoded: encode the text as UTF-8")]
pub struct InvalidFormEncoding {
    /// The parameter at fault (its raw text when the name itself is invalid).
    pub name: String,
}

impl FormParams {
    /// Parses `a=1&b=x+y&b=%C3%A9`.
    pub fn parse(text: &str) -> Result<Self, InvalidFormEncoding> {
        let mut pairs = Vec::new();
        for pair in text.split('&').filter(|pair| !pair.is_empty()) {
            let (raw_name, raw_value) = pair.split_once('=').unwrap_or((pair, ""));
            let name = decode(raw_name).ok_or_else(|| InvalidFormEncoding {
                name: raw_name.to_owned(),
            })?;
            let value =
                decode(raw_value).ok_or_else(|| InvalidFormEncoding { name: name.clone() })?;
            pairs.push((name, value));
        }
        Ok(Self { pairs })
    }

    /// These pairs followed by those of `other`, as if both had been sent in one form.
    pub fn with_pairs_of(mut self, other: Self) -> Self {
        self.pairs.extend(other.pairs);
        self
    }

    /// Every value given for `name`.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.pairs
            .iter()
            .filter(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
            .collect()
    }

    /// The single value of `name`; `Err` with the count when given more than once.
    pub fn single(&self, name: &str) -> Result<Option<&str>, usize> {
        match self.all(name).as_slice() {
            [] => Ok(None),
            [value] => Ok(Some(value)),
            values => Err(values.len()),
        }
    }

    /// The value of a field sent once; empty when it is absent or sent several times.
    pub fn text(&self, name: &str) -> &str {
        self.single(name).ok().flatten().unwrap_or_default()
    }

    /// Every pair, in order.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }

    /// Whether `name` was given.
    pub fn has(&self, name: &str) -> bool {
        self.pairs.iter().any(|(key, _)| key == name)
    }
}

fn decode(text: &str) -> Option<String> {
    let spaced = text.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced)
        .decode_utf8()
        .ok()
        .map(|text| text.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_names_keep_every_value() {
        let form =
            FormParams::parse("query=SELECT+*&default-graph-uri=a&default-graph-uri=b").unwrap();
        assert_eq!(form.single("query"), Ok(Some("SELECT *")));
        assert_eq!(form.all("default-graph-uri"), ["a", "b"]);
        assert_eq!(form.single("default-graph-uri"), Err(2));
    }

    #[test]
    fn joined_forms_keep_the_values_of_both() {
        let body = FormParams::parse("query=ASK+%7B%7D").unwrap();
        let url = FormParams::parse("default-graph-uri=a&query=x").unwrap();
        let joined = body.with_pairs_of(url);
        assert_eq!(joined.all("default-graph-uri"), ["a"]);
        assert_eq!(joined.single("query"), Err(2));
    }

    #[test]
    fn invalid_utf8_is_refused() {
        assert_eq!(FormParams::parse("query=%FF").unwrap_err().name, "query");
        assert_eq!(
            FormParams::parse("q=%C3%A9").unwrap().single("q"),
            Ok(Some("é"))
        );
    }
}
