//! Changes as people read them: each added or removed triple as a line naming the property and
//! the value by their labels, and the revisions of an initiative with their author and date.

use oxigraph::model::{NamedNode, NamedOrBlankNode, Term, Triple};
use serde::Serialize;

use super::view::{Labeler, LinkView, href_for};
use crate::history::{RevisionRecord, TripleDiff};
use crate::iri::IriMinter;

/// One changed statement.
#[derive(Debug, Clone, Serialize)]
pub struct ChangeLine {
    /// The property's label, with the owned node it is about (a position) in brackets.
    pub property: String,
    /// The value as text.
    pub value: String,
    /// Where the value links to, for a resource (always a page of this site).
    pub href: Option<String>,
    /// The language of a text.
    pub lang: Option<String>,
}

/// A change, line by line.
#[derive(Debug, Clone, Serialize)]
pub struct DiffView {
    /// Statements added.
    pub added: Vec<ChangeLine>,
    /// Statements removed.
    pub removed: Vec<ChangeLine>,
}

/// A revision on an initiative's page.
#[derive(Debug, Clone, Serialize)]
pub struct RevisionView {
    /// Key of the revision IRI, for the revert form.
    pub key: String,
    /// The revision's page.
    pub href: String,
    /// When, in French.
    pub date: String,
    /// The machine-readable time.
    pub datetime: String,
    /// The author's display name.
    pub author: String,
    /// The note published with it.
    pub comment: Option<String>,
    /// Whether it published a proposal, so that its note is the moderator's, not the author's.
    pub moderated: bool,
    /// The revision it undid.
    pub reverts: Option<LinkView>,
    /// What changed.
    pub diff: DiffView,
}

impl DiffView {
    /// The lines of a change about `focus`, properties and values named by their labels.
    pub fn new(labeler: &mut Labeler<'_>, diff: &TripleDiff, focus: &NamedNode) -> Self {
        let mut lines = |triples: &[Triple]| -> Vec<ChangeLine> {
            let mut lines: Vec<ChangeLine> = triples
                .iter()
                .map(|triple| change_line(labeler, triple, focus))
                .collect();
            lines.sort_by(|a, b| {
                a.property
                    .cmp(&b.property)
                    .then_with(|| a.value.cmp(&b.value))
            });
            lines
        };
        Self {
            added: lines(&diff.added),
            removed: lines(&diff.removed),
        }
    }
}

impl RevisionView {
    /// The view of a published revision.
    pub fn new(labeler: &mut Labeler<'_>, minter: &IriMinter, record: &RevisionRecord) -> Self {
        let key = minter
            .relative(record.iri.as_str())
            .and_then(|path| path.strip_prefix("revision/"))
            .unwrap_or_default()
            .to_owned();
        Self {
            key,
            href: href_for(record.iri.as_str(), minter),
            date: french_date(&record.ended),
            datetime: record
                .ended
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            author: record
                .author_name
                .clone()
                .unwrap_or_else(|| "Anonyme".to_owned()),
            comment: record.comment.clone(),
            moderated: record.contribution.is_some(),
            reverts: record
                .reverts
                .as_ref()
                .map(|reverted| labeler.link(reverted.as_str())),
            diff: DiffView::new(labeler, &record.diff, &record.initiative),
        }
    }
}

/// `3 décembre 2026 à 15:04 UTC`.
pub fn french_date(time: &chrono::DateTime<chrono::Utc>) -> String {
    use chrono::Datelike;
    const MONTHS: [&str; 12] = [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ];
    format!(
        "{} {} {} à {} UTC",
        time.day(),
        MONTHS[time.month0() as usize],
        time.year(),
        time.format("%H:%M")
    )
}

fn change_line(labeler: &mut Labeler<'_>, triple: &Triple, focus: &NamedNode) -> ChangeLine {
    let mut property = labeler.label(triple.predicate.as_str());
    if let NamedOrBlankNode::NamedNode(subject) = &triple.subject
        && subject != focus
    {
        let owned = subject.as_str().rsplit('#').next().unwrap_or_default();
        property = format!("{property} ({owned})");
    }
    match &triple.object {
        Term::NamedNode(node) => {
            let link = labeler.link(node.as_str());
            ChangeLine {
                property,
                value: link.label,
                href: Some(link.href),
                lang: None,
            }
        }
        Term::Literal(literal) => ChangeLine {
            property,
            value: literal.value().to_owned(),
            href: None,
            lang: literal.language().map(str::to_owned),
        },
        other => ChangeLine {
            property,
            value: other.to_string(),
            href: None,
            lang: None,
        },
    }
}
