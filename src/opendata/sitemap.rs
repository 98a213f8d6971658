//! Sitemaps (sitemaps.org protocol 0.9) of the pages of initiatives, actors, territories and
//! themes, split into parts listed by a sitemap index past the protocol's 50,000 URLs.

use std::fmt::Write;

use oxigraph::model::{Literal, Term};

use crate::iri::{IriMinter, request_path_from_iri};
use crate::store::{Store, StoreError};

const SITEMAP_NAMESPACE: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";

/// One page of a sitemap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SitemapEntry {
    /// The page's URL.
    pub url: String,
    /// What it shows: `initiative`, `acteur`, `territoire` or `theme`.
    pub kind: String,
    /// When its data last changed (the end of its source's last harvest), when known.
    pub lastmod: Option<String>,
}

/// Every page of the sitemap, by kind then URL.
pub fn sitemap_entries(store: &Store, minter: &IriMinter) -> Result<Vec<SitemapEntry>, StoreError> {
    let literal = |text: &str| Term::from(Literal::new_simple_literal(text));
    let bindings = [
        ("base", literal(minter.base())),
        ("themes", literal(minter.at("theme/").as_str())),
    ];
    let rows = store.select(include_str!("../../queries/sitemap-pages.rq"), &bindings)?;
    let mut entries: Vec<SitemapEntry> = rows
        .iter()
        .filter_map(|row| {
            let page = row.text("page")?;
            let relative = minter.relative(page)?;
            Some(SitemapEntry {
                url: format!("{}{}", minter.base(), request_path_from_iri(relative)),
                kind: row.text("type")?.to_owned(),
                lastmod: row.text("lastmod").map(str::to_owned),
            })
        })
        .collect();
    entries.sort_by(|a, b| (&a.kind, &a.url).cmp(&(&b.kind, &b.url)));
    Ok(entries)
}

/// The sitemap at `/sitemap.xml`: every URL when they fit in one sitemap of `max_urls`, else
/// an index of the parts `/sitemap-1.xml`, `/sitemap-2.xml`...
pub fn render_sitemap(entries: &[SitemapEntry], max_urls: usize, minter: &IriMinter) -> String {
    let max_urls = max_urls.max(1);
    if entries.len() <= max_urls {
        return render_urlset(entries);
    }
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(xml, "<sitemapindex xmlns=\"{SITEMAP_NAMESPACE}\">");
    for (part_idx, part) in entries.chunks(max_urls).enumerate() {
        let location = minter.at(&format!("sitemap-{}.xml", part_idx + 1));
        let _ = write!(xml, "<sitemap><loc>{}</loc>", escape_xml(location.as_str()));
        if let Some(lastmod) = part.iter().filter_map(|entry| entry.lastmod.as_ref()).max() {
            let _ = write!(xml, "<lastmod>{}</lastmod>", escape_xml(lastmod));
        }
        xml.push_str("</sitemap>\n");
    }
    xml.push_str("</sitemapindex>\n");
    xml
}

/// Part `number` (from 1) of a split sitemap; `None` when there is no such part.
pub fn render_sitemap_part(
    entries: &[SitemapEntry],
    max_urls: usize,
    number: usize,
) -> Option<String> {
    let part = entries
        .chunks(max_urls.max(1))
        .nth(number.checked_sub(1)?)?;
    Some(render_urlset(part))
}

fn render_urlset(entries: &[SitemapEntry]) -> String {
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(xml, "<urlset xmlns=\"{SITEMAP_NAMESPACE}\">");
    for entry in entries {
        let _ = write!(xml, "<url><loc>{}</loc>", escape_xml(&entry.url));
        if let Some(lastmod) = &entry.lastmod {
            let _ = write!(xml, "<lastmod>{}</lastmod>", escape_xml(lastmod));
        }
        xml.push_str("</url>\n");
    }
    xml.push_str("</urlset>\n");
    xml
}

fn escape_xml(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&apos;"),
            other => escaped.push(other),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(count: usize) -> Vec<SitemapEntry> {
        (0..count)
            .map(|n| SitemapEntry {
                url: format!("http://example.test/initiative/s/{n}?a=1&b=2"),
                kind: "initiative".into(),
                lastmod: Some(format!("2026-01-0{}T00:00:00Z", 1 + n % 5)),
            })
            .collect()
    }

    #[test]
    fn a_small_sitemap_is_one_urlset_with_escaped_urls() {
        let minter = IriMinter::new("http://example.test/").unwrap();
        let xml = render_sitemap(&entries(3), 10, &minter);
        assert!(xml.contains("<urlset"));
        assert_eq!(xml.matches("<url>").count(), 3);
        assert!(xml.contains("?a=1&amp;b=2"));
    }

    #[test]
    fn past_the_limit_the_sitemap_is_an_index_of_parts() {
        let minter = IriMinter::new("http://example.test/").unwrap();
        let all = entries(25);
        let index = render_sitemap(&all, 10, &minter);
        assert!(index.contains("<sitemapindex"));
        assert!(index.contains("<loc>http://example.test/sitemap-3.xml</loc>"));
        assert!(!index.contains("sitemap-4.xml"));
        let sizes: Vec<usize> = (1..=3)
            .map(|n| {
                render_sitemap_part(&all, 10, n)
                    .unwrap()
                    .matches("<url>")
                    .count()
            })
            .collect();
        assert_eq!(sizes, [10, 10, 5]);
        assert_eq!(render_sitemap_part(&all, 10, 4), None);
        assert_eq!(render_sitemap_part(&all, 10, 0), None);
    }
}
