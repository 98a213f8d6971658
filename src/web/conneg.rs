//! Content negotiation: choosing a media type from an `Accept` header, honouring q-values and
//! specificity (RFC 9110, section 12.5.1).

/// One media range of an `Accept` header.
#[derive(Debug, Clone, PartialEq)]
struct MediaRange {
    kind: String,
    subtype: String,
    parameters: Vec<(String, String)>,
    quality: f32,
}

impl MediaRange {
    /// How specifically the range names `media_type`: `None` if it does not match; more
    /// specific ranges win over `type/*` and `*/*`.
    fn specificity_for(&self, media_type: &str) -> Option<u8> {
        let (kind, subtype) = media_type.split_once('/')?;
        if self.kind == "*" {
            return Some(0);
        }
        if !self.kind.eq_ignore_ascii_case(kind) {
            return None;
        }
        if self.subtype == "*" {
            return Some(1);
        }
        if !self.subtype.eq_ignore_ascii_case(subtype) {
            return None;
        }
        Some(2 + u8::from(!self.parameters.is_empty()))
    }
}

/// The `Accept` header could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the Accept header {header:?} is malformed: {reason}")]
pub struct MalformedAccept {
    /// The header as received.
    pub header: String,
    /// What is wrong.
    pub reason: String,
}

/// Picks the best of `offered` (in the server's order of preference) for an `Accept` header.
///
/// An absent or empty header accepts anything, so the first offer wins. `Ok(None)` means that
/// nothing offered is acceptable (a 406).
pub fn negotiate<'a>(
    accept: Option<&str>,
    offered: &[&'a str],
) -> Result<Option<&'a str>, MalformedAccept> {
    let Some(header) = accept.map(str::trim).filter(|header| !header.is_empty()) else {
        return Ok(offered.first().copied());
    };
    let ranges = parse_accept(header)?;
    let mut best: Option<(&str, f32, usize)> = None;
    for (position, media_type) in offered.iter().enumerate() {
        let Some(quality) = quality_of(&ranges, media_type) else {
            continue;
        };
        if quality <= 0.0 {
            continue;
        }
        let better = match best {
            None => true,
            Some((_, best_quality, _)) => quality > best_quality,
        };
        if better {
            best = Some((media_type, quality, position));
        }
    }
    Ok(best.map(|(media_type, _, _)| media_type))
}

/// The quality the most specific matching range gives to `media_type`.
fn quality_of(ranges: &[MediaRange], media_type: &str) -> Option<f32> {
    ranges
        .iter()
        .filter_map(|range| Some((range.specificity_for(media_type)?, range.quality)))
        .max_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)))
        .map(|(_, quality)| quality)
}

fn parse_accept(header: &str) -> Result<Vec<MediaRange>, MalformedAccept> {
    let fault = |reason: &str| MalformedAccept {
        header: header.to_owned(),
        reason: reason.to_owned(),
    };
    let mut ranges = Vec::new();
    for element in header
        .split(',')
        .map(str::trim)
        .filter(|element| !element.is_empty())
    {
        let mut parts = element.split(';').map(str::trim);
        let media = parts.next().unwrap_or_default();
        let (kind, subtype) = media
            .split_once('/')
            .ok_or_else(|| fault("a media range lacks its '/'"))?;
        let is_token = |text: &str| {
            !text.is_empty()
                && text
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "!#$&-^_.+*".contains(c))
        };
        if !is_token(kind) || !is_token(subtype) || (kind == "*" && subtype != "*") {
            return Err(fault("a media range is not of the form type/subtype"));
        }
        let mut quality = 1.0;
        let mut parameters = Vec::new();
        for parameter in parts {
            let (name, value) = parameter
                .split_once('=')
                .ok_or_else(|| fault("a parameter lacks its '='"))?;
            let (name, value) = (
                name.trim().to_ascii_lowercase(),
                value.trim().trim_matches('"'),
            );
            if name == "q" {
                quality = value
                    .parse::<f32>()
                    .ok()
                    .filter(|q| (0.0..=1.0).contains(q))
                    .ok_or_else(|| fault("a q-value is not a number between 0 and 1"))?;
                break;
            }
            parameters.push((name, value.to_owned()));
        }
        ranges.push(MediaRange {
            kind: kind.to_owned(),
            subtype: subtype.to_owned(),
            parameters,
            quality,
        });
    }
    Ok(ranges)
}

#[cfg(test)]
mod tests {
    use super::*;

    const RDF: [&str; 3] = ["text/html", "text/turtle", "application/ld+json"];

    #[test]
    fn no_header_and_any_type_give_the_first_offer() {
        assert_eq!(negotiate(None, &RDF), Ok(Some("text/html")));
        assert_eq!(negotiate(Some("*/*"), &RDF), Ok(Some("text/html")));
    }

    #[test]
    fn q_values_rank_and_zero_excludes() {
        assert_eq!(
            negotiate(Some("text/html;q=0.5, text/turtle"), &RDF),
            Ok(Some("text/turtle"))
        );
        assert_eq!(
            negotiate(Some("text/*, text/html;q=0"), &RDF),
            Ok(Some("text/turtle"))
        );
    }

    #[test]
    fn the_most_specific_range_sets_the_quality() {
        let header = "*/*;q=0.1, application/ld+json;q=0.9, text/*;q=0.2";
        assert_eq!(
            negotiate(Some(header), &RDF),
            Ok(Some("application/ld+json"))
        );
    }

    #[test]
    fn nothing_acceptable_is_none() {
        assert_eq!(negotiate(Some("image/png"), &RDF), Ok(None));
    }

    #[test]
    fn malformed_headers_are_errors() {
        assert!(negotiate(Some("turtle"), &RDF).is_err());
        assert!(negotiate(Some("text/turtle;q=2"), &RDF).is_err());
        assert!(negotiate(Some("*/turtle"), &RDF).is_err());
    }
}
