//! The document the main crate hands to the index, and how it becomes a tantivy document.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use tantivy::TantivyDocument;

use super::cursor::iri_hash;
use super::error::SearchError;
use super::facets::{
    FacetColumn, FacetDim, KEY_SEPARATOR, MAX_TERRITORY_DEPTH, PATH_SEPARATOR, facet_key, join_path,
};
use super::schema::SearchFields;

/// One initiative as the search index sees it, filled by the main crate from the RDF graph.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SearchDocument {
    /// The unique key: indexing a document with the IRI of another replaces it.
    pub iri: String,
    pub name: String,
    pub description: Option<String>,
    /// Locality, actor names, labels of its themes…
    pub other_texts: Vec<String>,
    /// Concept paths from the top scheme down, e.g. `[["inclusion", "inclusion-numerique"]]`.
    pub themes: Vec<Vec<String>>,
    pub publics: Vec<String>,
    pub methods: Vec<String>,
    pub networks: Vec<String>,
    pub actor_types: Vec<String>,
    pub sources: Vec<String>,
    pub scales: Vec<String>,
    /// Kind-prefixed codes of the territories it is located in, widest first:
    /// `["region:84", "departement:01", "epci:200042935", "commune:01033"]`.
    pub territory_path: Vec<String>,
    /// Kind-prefixed codes of the territories it serves (may be empty).
    pub serves: Vec<String>,
    /// `(latitude, longitude)` in degrees.
    pub point: Option<(f64, f64)>,
    /// Completeness of the description, from 0 to 1.
    pub quality: f64,
}

impl SearchDocument {
    /// Checks the document's invariants and builds the tantivy document.
    pub(super) fn to_tantivy(&self, fields: &SearchFields) -> Result<TantivyDocument, SearchError> {
        self.validate()?;
        let mut doc = TantivyDocument::default();
        doc.add_text(fields.iri, &self.iri);
        doc.add_u64(fields.iri_hash, iri_hash(&self.iri));
        doc.add_f64(fields.quality, self.quality);
        if let Some((lat, lon)) = self.point {
            doc.add_f64(fields.lat, lat);
            doc.add_f64(fields.lon, lon);
        }

        let texts = [
            (fields.name, std::slice::from_ref(&self.name)),
            (fields.other_texts, self.other_texts.as_slice()),
            (fields.description, self.description.as_slice()),
        ];
        for (pair, values) in texts {
            for value in values {
                doc.add_text(pair.stemmed, value);
                doc.add_text(pair.plain, value);
            }
        }

        for (dim, key) in self.facet_keys() {
            if dim.is_filtered() {
                doc.add_text(fields.filter, &key);
            }
            match dim.column() {
                FacetColumn::Facet => doc.add_text(fields.facet, &key),
                FacetColumn::Place => doc.add_text(fields.place, &key),
                FacetColumn::None => {}
            }
        }
        Ok(doc)
    }

    /// The facet keys of the document with their dimension, without duplicates (a count is one
    /// per document).
    fn facet_keys(&self) -> BTreeSet<(FacetDim, String)> {
        let mut keys = BTreeSet::new();
        let mut add = |dim: FacetDim, value: &str| keys.insert((dim, facet_key(dim, value)));
        for path in &self.themes {
            for depth in 0..path.len() {
                add(FacetDim::Theme, &path[depth]);
                add(FacetDim::ThemePath, &join_path(&path[..=depth]));
            }
        }
        let flat = [
            (FacetDim::Public, &self.publics),
            (FacetDim::Method, &self.methods),
            (FacetDim::Network, &self.networks),
            (FacetDim::ActorType, &self.actor_types),
            (FacetDim::Source, &self.sources),
            (FacetDim::Scale, &self.scales),
            (FacetDim::Serves, &self.serves),
        ];
        for (dim, values) in flat {
            values.iter().for_each(|value| {
                add(dim, value);
            });
        }
        // FIXME: territory levels deeper than MAX_TERRITORY_DEPTH can be filtered on but are missing
        // from the tree; counting them would need more level prefixes in the facet key encoding.
        for (depth, code) in self.territory_path.iter().enumerate() {
            add(FacetDim::Located, code);
            if depth < MAX_TERRITORY_DEPTH {
                add(
                    FacetDim::Level(depth as u8),
                    &join_path(&self.territory_path[..=depth]),
                );
            }
        }
        keys
    }

    fn validate(&self) -> Result<(), SearchError> {
        let invalid = |reason| {
            Err(SearchError::InvalidDocument {
                iri: self.iri.clone(),
                reason,
            })
        };
        if self.iri.is_empty() {
            return invalid("the IRI is empty");
        }
        if !(0.0..=1.0).contains(&self.quality) {
            return invalid("the quality is not a number between 0 and 1");
        }
        if let Some((lat, lon)) = self.point
            && (!(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon))
        {
            return invalid("the point is not a latitude and longitude in degrees");
        }
        let flat = [
            &self.publics,
            &self.methods,
            &self.networks,
            &self.actor_types,
            &self.sources,
            &self.scales,
            &self.territory_path,
            &self.serves,
        ];
        let values = self.themes.iter().chain(flat).flatten();
        let is_bad =
            |value: &String| value.is_empty() || value.contains([KEY_SEPARATOR, PATH_SEPARATOR]);
        if values.into_iter().any(is_bad) {
            return invalid("a facet value is empty or holds a control character");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facet_keys_cover_every_ancestor_once() {
        let doc = SearchDocument {
            iri: "x".into(),
            themes: vec![vec!["a".into(), "b".into()], vec!["a".into(), "c".into()]],
            territory_path: vec!["region:84".into(), "departement:01".into()],
            ..Default::default()
        };
        let keys: BTreeSet<String> = doc.facet_keys().into_iter().map(|(_, key)| key).collect();
        assert!(keys.contains(&facet_key(FacetDim::Theme, "a")));
        assert!(keys.contains(&facet_key(FacetDim::ThemePath, &join_path(&["a", "c"]))));
        assert!(keys.contains(&facet_key(FacetDim::Located, "departement:01")));
        let level_1 = join_path(&["region:84", "departement:01"]);
        assert!(keys.contains(&facet_key(FacetDim::Level(1), &level_1)));
        // Concepts a, b, c; paths a, a/b, a/c; two located codes; two levels.
        assert_eq!(keys.len(), 3 + 3 + 2 + 2);
    }

    #[test]
    fn invalid_documents_are_refused() {
        let valid = SearchDocument {
            iri: "x".into(),
            quality: 0.5,
            ..Default::default()
        };
        assert!(valid.validate().is_ok());
        let cases = [
            SearchDocument {
                iri: String::new(),
                ..valid.clone()
            },
            SearchDocument {
                quality: f64::NAN,
                ..valid.clone()
            },
            SearchDocument {
                quality: 1.5,
                ..valid.clone()
            },
            SearchDocument {
                point: Some((91.0, 0.0)),
                ..valid.clone()
            },
            SearchDocument {
                publics: vec![String::new()],
                ..valid.clone()
            },
            SearchDocument {
                themes: vec![vec!["a\u{1e}b".into()]],
                ..valid.clone()
            },
        ];
        for case in cases {
            assert!(matches!(
                case.validate(),
                Err(SearchError::InvalidDocument { .. })
            ));
        }
    }
}
