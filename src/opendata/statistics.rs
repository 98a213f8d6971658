//! Statistics of the dataset and of each source's graph for VoID, counted by SPARQL on the
//! store once per refresh of the dumps and kept beside them in `statistics.json`.

use std::sync::Mutex;

use chrono::{DateTime, Utc};
use oxigraph::model::{Literal, NamedNode, Term};
use serde::{Deserialize, Serialize};

use super::dumps::{read_json, write_atomically};
use super::{DumpDirectory, DumpManifest, OpenDataError};
use crate::iri::{GraphKind, IriMinter};
use crate::store::{Store, StoreError};

const CACHE: &str = "statistics.json";

/// One computation of the statistics at a time in this process.
static COMPUTING: Mutex<()> = Mutex::new(());

/// Another dataset the graph links to.
#[derive(Debug, Clone, Copy)]
pub struct LinkTarget {
    /// Short name, used in the IRIs of the linksets.
    pub key: &'static str,
    /// The URI space of the other dataset.
    pub namespace: &'static str,
    /// Its name in French.
    pub title_fr: &'static str,
    /// Its name in English.
    pub title_en: &'static str,
    /// Where people read about it.
    pub homepage: &'static str,
}

/// The datasets whose links VoID counts: the UN Sustainable Development Goals and EuroVoc
/// (targets of the SKOS mappings of our themes) and INSEE's geographic ontology (classes of our
/// territories).
pub const LINK_TARGETS: [LinkTarget; 3] = [
    LinkTarget {
        key: "odd",
        namespace: "http://metadata.un.org/sdg/",
        title_fr: "Objectifs de développement durable (ONU)",
        title_en: "Sustainable Development Goals (UN)",
        homepage: "https://unstats.un.org/sdgs/",
    },
    LinkTarget {
        key: "eurovoc",
        namespace: "http://eurovoc.europa.eu/",
        title_fr: "EuroVoc, thésaurus de l'Union européenne",
        title_en: "EuroVoc, the EU's multilingual thesaurus",
        homepage: "https://op.europa.eu/en/web/eu-vocabularies/eurovoc",
    },
    LinkTarget {
        key: "insee-geo",
        namespace: "http://rdf.insee.fr/def/geo#",
        title_fr: "Ontologie géographique de l'INSEE",
        title_en: "INSEE geographic ontology",
        homepage: "http://rdf.insee.fr/def/geo",
    },
];

/// The statistics of the dataset, its sources and its linksets.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Statistics {
    /// The refresh of the dumps they were counted for.
    pub generated: DateTime<Utc>,
    /// The whole dataset: the union of its graphs.
    pub dataset: DatasetFigures,
    /// Each source's graph.
    pub sources: Vec<SourceFigures>,
    /// Links to other datasets.
    pub linksets: Vec<LinksetFigures>,
}

/// Figures of one dataset.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct DatasetFigures {
    /// Distinct triples.
    pub triples: u64,
    /// Resources of the URI space that are subjects of triples.
    pub entities: u64,
    /// Instances by class.
    pub classes: Vec<(String, u64)>,
    /// Distinct triples by property.
    pub properties: Vec<(String, u64)>,
}

/// Figures of one source's graph.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SourceFigures {
    /// The source's IRI.
    pub source: String,
    /// Its identifier.
    pub id: String,
    /// Its title.
    pub title: Option<String>,
    /// Its graph's figures.
    pub figures: DatasetFigures,
}

/// Links through one property to one other dataset.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LinksetFigures {
    /// Key of the [`LinkTarget`].
    pub target: String,
    /// The linking property.
    pub predicate: String,
    /// Number of links.
    pub triples: u64,
}

/// The statistics for the current dumps: read from the cache when it was counted for them,
/// counted and cached otherwise.
pub fn statistics(
    store: &Store,
    minter: &IriMinter,
    directory: &DumpDirectory,
    manifest: &DumpManifest,
) -> Result<Statistics, OpenDataError> {
    let _one_at_a_time = COMPUTING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let path = directory.path_of(CACHE);
    if let Ok(Some(cached)) = read_json::<Statistics>(&path)
        && cached.generated == manifest.generated
    {
        return Ok(cached);
    }
    let statistics = count(store, minter, manifest.generated)?;
    let text = serde_json::to_vec(&statistics).expect("statistics serialize");
    write_atomically(&path, |writer| {
        std::io::Write::write_all(writer, &text).map(|()| 0)
    })?;
    Ok(statistics)
}

fn count(
    store: &Store,
    minter: &IriMinter,
    generated: DateTime<Utc>,
) -> Result<Statistics, StoreError> {
    let space = Term::from(Literal::new_simple_literal(minter.base()));
    let dataset = figures(store, None, &space)?;

    let mut sources = Vec::new();
    for row in store
        .select(include_str!("../../queries/opendata-sources.rq"), &[])?
        .iter()
    {
        let (Some(source), Some(id)) = (row.text("source"), row.text("id")) else {
            continue;
        };
        let graph = minter.graph(&GraphKind::Source(id.to_owned()));
        if !store.has_graph(graph.as_ref())? {
            continue;
        }
        sources.push(SourceFigures {
            source: source.to_owned(),
            id: id.to_owned(),
            title: row.text("title").map(str::to_owned),
            figures: figures(store, Some(&graph), &space)?,
        });
    }

    let mut linksets = Vec::new();
    for target in LINK_TARGETS {
        let namespace = Term::from(Literal::new_simple_literal(target.namespace));
        let bindings = [("space", space.clone()), ("target", namespace)];
        let rows = store.select(include_str!("../../queries/void-linksets.rq"), &bindings)?;
        for row in rows.iter() {
            linksets.push(LinksetFigures {
                target: target.key.to_owned(),
                predicate: row.text("predicate").unwrap_or_default().to_owned(),
                triples: row.integer("triples").unwrap_or(0) as u64,
            });
        }
    }

    Ok(Statistics {
        generated,
        dataset,
        sources,
        linksets,
    })
}

/// The figures of one graph, or of all of them when `graph` is `None`.
fn figures(
    store: &Store,
    graph: Option<&NamedNode>,
    space: &Term,
) -> Result<DatasetFigures, StoreError> {
    let mut bindings = vec![("space", space.clone())];
    if let Some(graph) = graph {
        bindings.push(("graph", graph.clone().into()));
    }
    let single = |text: &str, variable: &str| -> Result<u64, StoreError> {
        let rows = store.select(text, &bindings)?;
        Ok(rows
            .iter()
            .next()
            .and_then(|row| row.integer(variable))
            .unwrap_or(0) as u64)
    };
    let pairs = |text: &str, key: &str, value: &str| -> Result<Vec<(String, u64)>, StoreError> {
        let rows = store.select(text, &bindings)?;
        Ok(rows
            .iter()
            .filter_map(|row| Some((row.text(key)?.to_owned(), row.integer(value)? as u64)))
            .collect())
    };
    Ok(DatasetFigures {
        triples: single(include_str!("../../queries/void-triples.rq"), "triples")?,
        entities: single(include_str!("../../queries/void-entities.rq"), "entities")?,
        classes: pairs(
            include_str!("../../queries/void-classes.rq"),
            "class",
            "entities",
        )?,
        properties: pairs(
            include_str!("../../queries/void-properties.rq"),
            "property",
            "triples",
        )?,
    })
}
