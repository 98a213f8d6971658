//! The VoID description of the dataset at `/.well-known/void`: the whole graph, one subset per
//! source, their statistics, and the linksets to other datasets.

use oxigraph::model::vocab::xsd;
use oxigraph::model::{BlankNode, Literal, NamedNode, Triple};

use super::statistics::{DatasetFigures, LINK_TARGETS, LinkTarget, Statistics};
use super::{DumpManifest, VOID_PATH, dataset_iri, dump_url};
use crate::iri::{GraphKind, IriMinter};
use crate::rdf::QuadBuffer;
use crate::vocab::{dct, foaf, void};

/// Feature of datasets whose dump is in N-Quads.
const NQUADS_FEATURE: &str = "http://www.w3.org/ns/formats/N-Quads";

/// The VoID description of the dataset, from the manifest of its dumps and its statistics.
pub fn void_description(
    minter: &IriMinter,
    manifest: &DumpManifest,
    statistics: &Statistics,
) -> Vec<Triple> {
    let document = minter.at(VOID_PATH);
    let dataset = dataset_iri(minter);
    let mut buffer = QuadBuffer::new(document.clone());

    buffer.add_type(&document, void::DATASET_DESCRIPTION);
    buffer.add_lang_text(&document, dct::TITLE, "Description VoID d'ancrage", "fr");
    buffer.add_lang_text(&document, dct::TITLE, "VoID description of ancrage", "en");
    buffer.add_link(&document, foaf::PRIMARY_TOPIC, &dataset);

    buffer.add_type(&dataset, void::DATASET);
    buffer.add_lang_text(&dataset, dct::TITLE, DATASET_TITLE_FR, "fr");
    buffer.add_lang_text(&dataset, dct::TITLE, DATASET_TITLE_EN, "en");
    buffer.add_link(&dataset, foaf::HOMEPAGE, &minter.at(""));
    buffer.add_typed(
        &dataset,
        dct::MODIFIED,
        &manifest.generated.to_rfc3339(),
        xsd::DATE_TIME,
    );
    write_access(&mut buffer, minter, &dataset, &manifest.whole.path);
    write_figures(&mut buffer, minter, &dataset, &statistics.dataset);

    for source in &statistics.sources {
        let subset = NamedNode::new_unchecked(source.source.clone());
        buffer.add_link(&dataset, void::SUBSET, &subset);
        buffer.add_type(&subset, void::DATASET);
        if let Some(title) = &source.title {
            buffer.add_lang_text(&subset, dct::TITLE, title, "fr");
        }
        let graph = minter.graph(&GraphKind::Source(source.id.clone()));
        if let Some(file) = manifest.graph_file(graph.as_str()) {
            write_access(&mut buffer, minter, &subset, &file.path);
        }
        write_figures(&mut buffer, minter, &subset, &source.figures);
    }

    for target in LINK_TARGETS {
        write_linksets(&mut buffer, minter, &dataset, &target, statistics);
    }
    buffer.into_quads().into_iter().map(Triple::from).collect()
}

const DATASET_TITLE_FR: &str = "ancrage : les innovations sociales des territoires français";
const DATASET_TITLE_EN: &str = "ancrage: the social innovations of French territories";

/// Where and how a dataset can be read: the SPARQL endpoint, its dump, its URI space.
fn write_access(buffer: &mut QuadBuffer, minter: &IriMinter, dataset: &NamedNode, dump: &str) {
    buffer.add_link(dataset, void::SPARQL_ENDPOINT, &minter.at("sparql"));
    buffer.add_link(dataset, void::DATA_DUMP, &dump_url(minter, dump));
    buffer.add_link(
        dataset,
        void::FEATURE,
        &NamedNode::new_unchecked(NQUADS_FEATURE),
    );
    buffer.add_text(dataset, void::URI_SPACE, minter.base());
}

/// The statistics of a dataset, and the vocabularies its classes and properties come from.
fn write_figures(
    buffer: &mut QuadBuffer,
    minter: &IriMinter,
    dataset: &NamedNode,
    figures: &DatasetFigures,
) {
    for namespace in vocabularies(figures, minter) {
        buffer.add_link(dataset, void::VOCABULARY, &namespace);
    }
    buffer.add_integer(dataset, void::TRIPLES, figures.triples as i64);
    buffer.add_integer(dataset, void::ENTITIES, figures.entities as i64);
    buffer.add_integer(dataset, void::CLASSES, figures.classes.len() as i64);
    buffer.add_integer(dataset, void::PROPERTIES, figures.properties.len() as i64);
    for (class, entities) in &figures.classes {
        let partition = BlankNode::default();
        buffer.add(dataset.clone(), void::CLASS_PARTITION, partition.clone());
        buffer.add(
            partition.clone(),
            void::CLASS,
            NamedNode::new_unchecked(class.clone()),
        );
        buffer.add(partition, void::ENTITIES, integer(*entities));
    }
    for (property, triples) in &figures.properties {
        let partition = BlankNode::default();
        buffer.add(dataset.clone(), void::PROPERTY_PARTITION, partition.clone());
        buffer.add(
            partition.clone(),
            void::PROPERTY,
            NamedNode::new_unchecked(property.clone()),
        );
        buffer.add(partition, void::TRIPLES, integer(*triples));
    }
}

/// One linkset per property linking the dataset to `target`, and the target itself.
fn write_linksets(
    buffer: &mut QuadBuffer,
    minter: &IriMinter,
    dataset: &NamedNode,
    target: &LinkTarget,
    statistics: &Statistics,
) {
    let linksets: Vec<_> = statistics
        .linksets
        .iter()
        .filter(|linkset| linkset.target == target.key)
        .collect();
    if linksets.is_empty() {
        return;
    }
    let other = minter.at(&format!("{VOID_PATH}#{}", target.key));
    buffer.add_type(&other, void::DATASET);
    buffer.add_lang_text(&other, dct::TITLE, target.title_fr, "fr");
    buffer.add_lang_text(&other, dct::TITLE, target.title_en, "en");
    buffer.add_text(&other, void::URI_SPACE, target.namespace);
    if let Ok(homepage) = NamedNode::new(target.homepage) {
        buffer.add_link(&other, foaf::HOMEPAGE, &homepage);
    }
    for linkset in linksets {
        let local_name = linkset
            .predicate
            .rsplit(['#', '/'])
            .next()
            .unwrap_or_default();
        let iri = minter.at(&format!("{VOID_PATH}#liens-{}-{local_name}", target.key));
        buffer.add_link(dataset, void::SUBSET, &iri);
        buffer.add_type(&iri, void::LINKSET);
        buffer.add_link(&iri, void::SUBJECTS_TARGET, dataset);
        buffer.add_link(&iri, void::OBJECTS_TARGET, &other);
        buffer.add_link(
            &iri,
            void::LINK_PREDICATE,
            &NamedNode::new_unchecked(linkset.predicate.clone()),
        );
        buffer.add_integer(&iri, void::TRIPLES, linkset.triples as i64);
    }
}

/// Namespaces of the classes and properties the dataset uses, outside its own URI space.
fn vocabularies(figures: &DatasetFigures, minter: &IriMinter) -> Vec<NamedNode> {
    let mut namespaces: Vec<String> = figures
        .classes
        .iter()
        .chain(&figures.properties)
        .filter_map(|(term, _)| {
            let end = term.rfind(['#', '/'])?;
            Some(term[..=end].to_owned())
        })
        .filter(|namespace| minter.relative(namespace).is_none())
        .collect();
    namespaces.sort();
    namespaces.dedup();
    namespaces
        .into_iter()
        .filter_map(|namespace| NamedNode::new(namespace).ok())
        .collect()
}

fn integer(value: u64) -> Literal {
    Literal::new_typed_literal(value.to_string(), xsd::INTEGER)
}
