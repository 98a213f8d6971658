//! What changed lately around a resource: the latest new and changed initiatives of an
//! initiative, a territory, a theme or a community, read from the graph (harvest runs and
//! published revisions), and their Atom document.
//!
//! A harvest run that writes a record again only when it changed keeps the run that last
//! changed it (`prov:wasGeneratedBy`), so the record's run is the time the initiative last
//! changed by harvest; each published revision (`anc:revisionOf`) is a change of its own.

use atom_syndication::{Content, Entry, Feed, FixedDateTime, Link, Person, Text};
use chrono::{DateTime, Utc};
use oxigraph::model::{NamedNode, Term};

use crate::rdf::parse_date_time;
use crate::store::{Store, StoreError};
use crate::vocab::anc;

/// Most entries a feed holds.
pub const FEED_LIMIT: usize = 50;
/// Name of the feed document beside a resource's page (`…/flux.atom`).
pub const FEED_SEGMENT: &str = "flux.atom";

/// The resource a feed follows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedScope {
    /// The changes of one initiative.
    Initiative(NamedNode),
    /// The initiatives located in a territory or in the territories inside it.
    Territory(NamedNode),
    /// The initiatives linked to a concept or to a narrower one.
    Theme(NamedNode),
    /// The initiatives of a community's territories and themes.
    Community(NamedNode),
}

/// What made an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    /// A harvest run wrote the initiative's record.
    Harvest,
    /// A revision was published in the collaborative space.
    Revision,
}

/// One new or changed initiative.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedEntry {
    /// The initiative.
    pub initiative: NamedNode,
    /// Its name.
    pub name: String,
    /// When it changed.
    pub updated: DateTime<Utc>,
    /// The harvest run or the revision that changed it.
    pub via: NamedNode,
    /// Whether a harvest or a revision changed it.
    pub kind: ChangeKind,
}

impl FeedEntry {
    /// The entry's Atom id: the initiative's IRI and the time of the change.
    pub fn id(&self) -> String {
        format!(
            "{}#changement-{}",
            self.initiative.as_str(),
            self.updated.format("%Y%m%dT%H%M%S%.3fZ")
        )
    }
}

/// What the Atom document says of itself.
#[derive(Debug, Clone)]
pub struct FeedHeader {
    /// The feed's own URL (its Atom id and `self` link).
    pub url: String,
    /// The page of the resource followed.
    pub page: String,
    /// The feed's title.
    pub title: String,
}

impl FeedScope {
    /// The resource followed.
    pub fn resource(&self) -> &NamedNode {
        match self {
            Self::Initiative(iri)
            | Self::Territory(iri)
            | Self::Theme(iri)
            | Self::Community(iri) => iri,
        }
    }

    fn query(&self) -> (&'static str, &'static str) {
        match self {
            Self::Initiative(_) => (
                include_str!("../../queries/feed-initiative.rq"),
                "initiative",
            ),
            Self::Territory(_) => (include_str!("../../queries/feed-territory.rq"), "territory"),
            Self::Theme(_) => (include_str!("../../queries/feed-theme.rq"), "concept"),
            Self::Community(_) => (include_str!("../../queries/feed-community.rq"), "community"),
        }
    }
}

/// The latest `limit` changes of the scope, newest first.
// FIXME: the store has no index on change times, so a query visits every initiative of the scope
// before sorting and keeping `limit`: cheap for a commune, one pass over its initiatives for a
// région or a broad theme, on every request. Right would be an index of changes by time (the
// search index could carry it) or feeds cached and refreshed after each harvest and publication;
// this was not measured with the generator's million initiatives.
pub fn latest_changes(
    store: &Store,
    scope: &FeedScope,
    limit: usize,
) -> Result<Vec<FeedEntry>, StoreError> {
    let (query, variable) = scope.query();
    let bounded = format!("{query}\nLIMIT {limit}");
    let rows = store.select(&bounded, &[(variable, scope.resource().clone().into())])?;
    let revision_class = Term::from(anc::REVISION.into_owned());
    let mut entries = Vec::new();
    for row in rows.iter() {
        let initiative = row
            .term("initiative")
            .or_else(|| row.term("the_initiative"));
        let (Some(Term::NamedNode(initiative)), Some(Term::NamedNode(via)), Some(updated)) = (
            initiative,
            row.term("via"),
            row.text("changed").and_then(parse_date_time),
        ) else {
            continue;
        };
        let is_revision = store
            .objects(via.as_ref(), oxigraph::model::vocab::rdf::TYPE)?
            .contains(&revision_class);
        entries.push(FeedEntry {
            initiative: initiative.clone(),
            name: row.text("name").unwrap_or(initiative.as_str()).to_owned(),
            updated,
            via: via.clone(),
            kind: if is_revision {
                ChangeKind::Revision
            } else {
                ChangeKind::Harvest
            },
        });
    }
    Ok(entries)
}

/// The Atom document of a feed; `updated` is the newest entry's time (or `fallback` when empty).
pub fn atom_document(
    header: &FeedHeader,
    entries: &[FeedEntry],
    fallback: DateTime<Utc>,
) -> String {
    let mut feed = Feed::default();
    feed.set_id(header.url.clone());
    feed.set_title(Text::plain(header.title.clone()));
    feed.set_lang(Some("fr".to_owned()));
    let newest = entries.first().map_or(fallback, |entry| entry.updated);
    feed.set_updated(fixed(newest));
    feed.set_links(vec![
        link(&header.url, "self", "application/atom+xml"),
        link(&header.page, "alternate", "text/html"),
    ]);
    let mut author = Person::default();
    author.set_name("ancrage");
    feed.set_authors(vec![author]);
    feed.set_entries(entries.iter().map(atom_entry).collect::<Vec<_>>());
    feed.to_string()
}

fn atom_entry(entry: &FeedEntry) -> Entry {
    let mut atom = Entry::default();
    atom.set_id(entry.id());
    atom.set_title(Text::plain(entry.name.clone()));
    atom.set_updated(fixed(entry.updated));
    atom.set_links(vec![link(
        entry.initiative.as_str(),
        "alternate",
        "text/html",
    )]);
    let summary = match entry.kind {
        ChangeKind::Harvest => "Fiche nouvelle ou mise à jour par une moisson de sa source.",
        ChangeKind::Revision => "Modification publiée dans l'espace collaboratif.",
    };
    atom.set_summary(Some(Text::plain(summary)));
    let mut content = Content::default();
    content.set_src(Some(entry.via.as_str().to_owned()));
    atom.set_content(Some(content));
    atom
}

fn link(href: &str, rel: &str, media_type: &str) -> Link {
    let mut link = Link::default();
    link.set_href(href);
    link.set_rel(rel);
    link.set_mime_type(Some(media_type.to_owned()));
    link
}

fn fixed(time: DateTime<Utc>) -> FixedDateTime {
    time.fixed_offset()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_atom_document_reads_back_with_its_entries() {
        let entry = FeedEntry {
            initiative: NamedNode::new_unchecked("http://x.test/initiative/a/1"),
            name: "Café <réparation> & co".to_owned(),
            updated: parse_date_time("2026-12-03T15:00:00Z").unwrap(),
            via: NamedNode::new_unchecked("http://x.test/revision/1"),
            kind: ChangeKind::Revision,
        };
        let header = FeedHeader {
            url: "http://x.test/initiative/a/1/flux.atom".to_owned(),
            page: "http://x.test/initiative/a/1".to_owned(),
            title: "Café".to_owned(),
        };
        let xml = atom_document(&header, std::slice::from_ref(&entry), Utc::now());
        let feed: Feed = xml.parse().unwrap();
        assert_eq!(feed.entries().len(), 1);
        assert_eq!(feed.entries()[0].title().as_str(), "Café <réparation> & co");
        assert_eq!(feed.entries()[0].id(), entry.id());
        assert_eq!(feed.updated().to_rfc3339(), "2026-12-03T15:00:00+00:00");
    }
}
