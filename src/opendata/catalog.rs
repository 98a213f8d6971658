//! The DCAT-AP catalogue at `/catalogue`: one dataset for the whole graph and one per source
//! (reusing the source's own description), their distributions (the dumps), and the SPARQL
//! endpoint and Graph Store as data services.

use oxigraph::model::vocab::xsd;
use oxigraph::model::{BlankNode, Literal, NamedNode, Term, Triple};

use super::{CATALOGUE_PATH, DumpFile, DumpManifest, EXPORT_PATH, dataset_iri, dump_url};
use crate::iri::{GraphKind, IriMinter};
use crate::rdf::QuadBuffer;
use crate::store::{Store, StoreError};
use crate::vocab::{dcat, dct, foaf};

const FREQUENCY: &str = "http://publications.europa.eu/resource/authority/frequency/";
const FRANCE: &str = "http://publications.europa.eu/resource/authority/country/FRA";
const FRENCH: &str = "http://publications.europa.eu/resource/authority/language/FRA";
const NQUADS_MEDIA_TYPE: &str = "http://www.iana.org/assignments/media-types/application/n-quads";
const GZIP_MEDIA_TYPE: &str = "http://www.iana.org/assignments/media-types/application/gzip";
const NQUADS_FILE_TYPE: &str =
    "http://publications.europa.eu/resource/authority/file-type/RDF_N_QUADS";
/// The exports of every initiative: extension, IANA media type, EU file type, French title.
const EXPORTS: [(&str, &str, &str, &str); 3] = [
    (
        "csv",
        "text/csv",
        "CSV",
        "Initiatives en CSV (une ligne par initiative, libellés)",
    ),
    (
        "geojson",
        "application/geo+json",
        "GEOJSON",
        "Initiatives en GeoJSON (un point par initiative)",
    ),
    (
        "jsonld",
        "application/ld+json",
        "JSON_LD",
        "Initiatives en JSON-LD",
    ),
];
const MEDIA_TYPES: &str = "http://www.iana.org/assignments/media-types/";
const FILE_TYPES: &str = "http://publications.europa.eu/resource/authority/file-type/";
const SPARQL_PROTOCOL: &str = "https://www.w3.org/TR/sparql11-protocol/";
const GRAPH_STORE_PROTOCOL: &str = "https://www.w3.org/TR/sparql11-http-rdf-update/";

/// ISO 8601 durations of harvest schedules and the EU frequency each one is.
const FREQUENCIES: [(&[&str], &str); 13] = [
    (&["PT1H"], "HOURLY"),
    (&["P1D"], "DAILY"),
    (&["P1W", "P7D"], "WEEKLY"),
    (&["P2W", "P14D"], "BIWEEKLY"),
    (&["P1M"], "MONTHLY"),
    (&["P2M"], "BIMONTHLY"),
    (&["P3M"], "QUARTERLY"),
    (&["P6M"], "ANNUAL_2"),
    (&["P1Y", "P12M"], "ANNUAL"),
    (&["P2Y"], "BIENNIAL"),
    (&["P3Y"], "TRIENNIAL"),
    (&["P4Y"], "QUADRENNIAL"),
    (&["P5Y"], "QUINQUENNIAL"),
];

/// The EU frequency authority's IRI for an ISO 8601 duration (`P1M` → `.../MONTHLY`); a
/// duration without a frequency of its own is `.../OTHER`.
pub fn frequency_for_duration(duration: &str) -> NamedNode {
    let duration = duration.trim().to_ascii_uppercase();
    let code = FREQUENCIES
        .iter()
        .find(|(durations, _)| durations.contains(&duration.as_str()))
        .map_or("OTHER", |(_, code)| code);
    NamedNode::new_unchecked(format!("{FREQUENCY}{code}"))
}

/// The DCAT-AP catalogue of the dataset, read from the store and the manifest of the dumps.
pub fn catalog_description(
    store: &Store,
    minter: &IriMinter,
    manifest: &DumpManifest,
) -> Result<Vec<Triple>, StoreError> {
    let catalog = minter.at(CATALOGUE_PATH);
    let dataset = dataset_iri(minter);
    let publisher = minter.at(&format!("{CATALOGUE_PATH}#editeur"));
    let mut buffer = QuadBuffer::new(catalog.clone());

    buffer.add_type(&catalog, dcat::CATALOG);
    buffer.add_lang_text(
        &catalog,
        dct::TITLE,
        "Catalogue des données d'ancrage",
        "fr",
    );
    buffer.add_lang_text(&catalog, dct::TITLE, "ancrage data catalogue", "en");
    buffer.add_lang_text(&catalog, dct::DESCRIPTION, CATALOG_DESCRIPTION_FR, "fr");
    buffer.add_lang_text(&catalog, dct::DESCRIPTION, CATALOG_DESCRIPTION_EN, "en");
    buffer.add_link(&catalog, dct::PUBLISHER, &publisher);
    buffer.add_link(&catalog, foaf::HOMEPAGE, &minter.at(""));
    buffer.add_link(&catalog, dct::LANGUAGE, &NamedNode::new_unchecked(FRENCH));
    buffer.add_link(&catalog, dcat::THEME_TAXONOMY, &domaines(minter));
    buffer.add_typed(
        &catalog,
        dct::MODIFIED,
        &manifest.generated.to_rfc3339(),
        xsd::DATE_TIME,
    );
    buffer.add_type(&publisher, foaf::AGENT);
    buffer.add_text(&publisher, foaf::NAME, "ancrage");

    buffer.add_link(&catalog, dcat::DATASET_PROP, &dataset);
    write_whole_dataset(&mut buffer, store, minter, manifest, &dataset, &publisher)?;
    let mut served = vec![dataset.clone()];
    for row in store
        .select(include_str!("../../queries/opendata-sources.rq"), &[])?
        .iter()
    {
        let (Some(Term::NamedNode(source)), Some(id)) = (row.term("source"), row.text("id")) else {
            continue;
        };
        buffer.add_link(&catalog, dcat::DATASET_PROP, source);
        buffer.add_link(&dataset, dct::HAS_PART, source);
        let title = row.text("title").unwrap_or(id);
        write_source_dataset(&mut buffer, store, minter, manifest, source, id, title)?;
        served.push(source.clone());
    }

    write_services(&mut buffer, minter, &catalog, &served);
    Ok(buffer.into_quads().into_iter().map(Triple::from).collect())
}

const CATALOG_DESCRIPTION_FR: &str = "Les jeux de données publiés par ancrage : le graphe \
    entier des innovations sociales des territoires français et chacune des sources moissonnées.";
const CATALOG_DESCRIPTION_EN: &str = "The datasets ancrage publishes: the whole graph of the \
    social innovations of French territories, and each harvested source.";
const DATASET_DESCRIPTION_FR: &str = "Le graphe entier d'ancrage : initiatives, acteurs, \
    territoires du code officiel géographique, vocabulaires de thèmes, ontologie, sources et \
    historique des moissons, chaque partie dans son graphe nommé.";
const DATASET_DESCRIPTION_EN: &str = "The whole ancrage graph: initiatives, actors, territories \
    of the official geographic code, theme vocabularies, ontology, sources and harvest history, \
    each part in its own named graph.";

fn write_whole_dataset(
    buffer: &mut QuadBuffer,
    store: &Store,
    minter: &IriMinter,
    manifest: &DumpManifest,
    dataset: &NamedNode,
    publisher: &NamedNode,
) -> Result<(), StoreError> {
    buffer.add_type(dataset, dcat::DATASET);
    buffer.add_lang_text(dataset, dct::TITLE, "ancrage : le graphe entier", "fr");
    buffer.add_lang_text(dataset, dct::TITLE, "ancrage: the whole graph", "en");
    buffer.add_lang_text(dataset, dct::DESCRIPTION, DATASET_DESCRIPTION_FR, "fr");
    buffer.add_lang_text(dataset, dct::DESCRIPTION, DATASET_DESCRIPTION_EN, "en");
    buffer.add_link(dataset, dct::PUBLISHER, publisher);
    buffer.add_link(dataset, dcat::LANDING_PAGE, &minter.at(""));
    buffer.add_link(dataset, dct::SPATIAL, &NamedNode::new_unchecked(FRANCE));
    let licences = iris(
        store,
        include_str!("../../queries/catalog-licences.rq"),
        &[],
    )?;
    for licence in &licences {
        buffer.add_link(dataset, dct::LICENSE, licence);
    }
    write_period(buffer, store, dataset, None)?;
    write_themes(buffer, store, minter, dataset, None)?;
    let distribution = minter.at(&format!("{CATALOGUE_PATH}#ancrage-nquads"));
    write_distribution(
        buffer,
        minter,
        dataset,
        &distribution,
        &manifest.whole,
        &licences,
    );
    write_export_distributions(buffer, minter, dataset, &licences);
    Ok(())
}

/// The exports of a search without filters: every current initiative, generated on request.
fn write_export_distributions(
    buffer: &mut QuadBuffer,
    minter: &IriMinter,
    dataset: &NamedNode,
    licences: &[NamedNode],
) {
    for (extension, media_type, file_type, title) in EXPORTS {
        let distribution = minter.at(&format!("{CATALOGUE_PATH}#initiatives-{extension}"));
        let url = minter.at(&format!("{EXPORT_PATH}.{extension}"));
        buffer.add_link(dataset, dcat::DISTRIBUTION_PROP, &distribution);
        buffer.add_type(&distribution, dcat::DISTRIBUTION);
        buffer.add_lang_text(&distribution, dct::TITLE, title, "fr");
        buffer.add_link(&distribution, dcat::ACCESS_URL, &url);
        buffer.add_link(&distribution, dcat::DOWNLOAD_URL, &url);
        let media_type = NamedNode::new_unchecked(format!("{MEDIA_TYPES}{media_type}"));
        buffer.add_link(&distribution, dcat::MEDIA_TYPE, &media_type);
        let file_type = NamedNode::new_unchecked(format!("{FILE_TYPES}{file_type}"));
        buffer.add_link(&distribution, dct::FORMAT, &file_type);
        for licence in licences {
            buffer.add_link(&distribution, dct::LICENSE, licence);
        }
    }
}

/// A source as a DCAT dataset: its description from the graph, the EU frequency in place of
/// its schedule, and what the catalogue adds (English title, coverage, period, themes, dump).
fn write_source_dataset(
    buffer: &mut QuadBuffer,
    store: &Store,
    minter: &IriMinter,
    manifest: &DumpManifest,
    source: &NamedNode,
    source_id: &str,
    title: &str,
) -> Result<(), StoreError> {
    let (licences, has_description) = copy_source_description(buffer, store, source)?;
    buffer.add_lang_text(
        source,
        dct::TITLE,
        &format!("{title}, as harvested by ancrage"),
        "en",
    );
    if !has_description {
        let text = format!("Initiatives de la source {title}, moissonnées par ancrage.");
        buffer.add_lang_text(source, dct::DESCRIPTION, &text, "fr");
    }
    let text = format!("Initiatives of the source {title}, harvested by ancrage.");
    buffer.add_lang_text(source, dct::DESCRIPTION, &text, "en");

    let graph = minter.graph(&GraphKind::Source(source_id.to_owned()));
    let graph_binding = [("graph", Term::from(graph.clone()))];
    for region in iris(
        store,
        include_str!("../../queries/catalog-regions.rq"),
        &graph_binding,
    )? {
        buffer.add_link(source, dct::SPATIAL, &region);
    }
    write_period(buffer, store, source, Some(source))?;
    write_themes(buffer, store, minter, source, Some(&graph))?;
    if let Some(file) = manifest.graph_file(graph.as_str()) {
        let distribution = minter.at(&format!("{CATALOGUE_PATH}#source-{}-nquads", source_id));
        write_distribution(buffer, minter, source, &distribution, file, &licences);
    }
    Ok(())
}

/// Copies the source's description from the graph, with the EU frequency in place of its
/// schedule's duration; returns its licences and whether it has a description.
fn copy_source_description(
    buffer: &mut QuadBuffer,
    store: &Store,
    source: &NamedNode,
) -> Result<(Vec<NamedNode>, bool), StoreError> {
    let mut licences = Vec::new();
    let mut has_description = false;
    for quad in store.describe(source.as_ref())? {
        if quad.predicate == dct::ACCRUAL_PERIODICITY
            && let Term::Literal(duration) = &quad.object
        {
            let frequency = frequency_for_duration(duration.value());
            buffer.add(quad.subject, dct::ACCRUAL_PERIODICITY, frequency);
            continue;
        }
        if quad.subject.to_string() == source.to_string() {
            match (&quad.object, quad.predicate.as_ref()) {
                (Term::NamedNode(licence), predicate) if predicate == dct::LICENSE => {
                    licences.push(licence.clone());
                }
                (_, predicate) if predicate == dct::DESCRIPTION => has_description = true,
                _ => (),
            }
        }
        buffer.add(quad.subject, quad.predicate.as_ref(), quad.object);
    }
    Ok((licences, has_description))
}

/// The period covered, from the first harvest's start to the last one's end.
fn write_period(
    buffer: &mut QuadBuffer,
    store: &Store,
    dataset: &NamedNode,
    source: Option<&NamedNode>,
) -> Result<(), StoreError> {
    let bindings: Vec<(&str, Term)> = source
        .map(|source| ("source", Term::from(source.clone())))
        .into_iter()
        .collect();
    let rows = store.select(include_str!("../../queries/catalog-period.rq"), &bindings)?;
    let Some(row) = rows.iter().next() else {
        return Ok(());
    };
    let (Some(start), Some(end)) = (row.text("start"), row.text("end")) else {
        return Ok(());
    };
    let period = BlankNode::default();
    buffer.add(dataset.clone(), dct::TEMPORAL, period.clone());
    buffer.add(
        period.clone(),
        oxigraph::model::vocab::rdf::TYPE,
        dct::PERIOD_OF_TIME.into_owned(),
    );
    buffer.add(
        period.clone(),
        dcat::START_DATE,
        Literal::new_typed_literal(start, xsd::DATE_TIME),
    );
    buffer.add(
        period,
        dcat::END_DATE,
        Literal::new_typed_literal(end, xsd::DATE_TIME),
    );
    Ok(())
}

/// The domaines (top concepts of our themes) the dataset's initiatives fall under.
fn write_themes(
    buffer: &mut QuadBuffer,
    store: &Store,
    minter: &IriMinter,
    dataset: &NamedNode,
    graph: Option<&NamedNode>,
) -> Result<(), StoreError> {
    let mut bindings = vec![("scheme", Term::from(domaines(minter)))];
    if let Some(graph) = graph {
        bindings.push(("graph", graph.clone().into()));
    }
    for domaine in iris(
        store,
        include_str!("../../queries/catalog-themes.rq"),
        &bindings,
    )? {
        buffer.add_link(dataset, dcat::THEME, &domaine);
    }
    Ok(())
}

fn write_distribution(
    buffer: &mut QuadBuffer,
    minter: &IriMinter,
    dataset: &NamedNode,
    distribution: &NamedNode,
    file: &DumpFile,
    licences: &[NamedNode],
) {
    let url = dump_url(minter, &file.path);
    buffer.add_link(dataset, dcat::DISTRIBUTION_PROP, distribution);
    buffer.add_type(distribution, dcat::DISTRIBUTION);
    buffer.add_lang_text(
        distribution,
        dct::TITLE,
        "Export N-Quads compressé (gzip)",
        "fr",
    );
    buffer.add_lang_text(distribution, dct::TITLE, "Gzipped N-Quads dump", "en");
    buffer.add_link(distribution, dcat::ACCESS_URL, &url);
    buffer.add_link(distribution, dcat::DOWNLOAD_URL, &url);
    let media_type = NamedNode::new_unchecked(NQUADS_MEDIA_TYPE);
    buffer.add_link(distribution, dcat::MEDIA_TYPE, &media_type);
    let gzip = NamedNode::new_unchecked(GZIP_MEDIA_TYPE);
    buffer.add_link(distribution, dcat::COMPRESS_FORMAT, &gzip);
    let file_type = NamedNode::new_unchecked(NQUADS_FILE_TYPE);
    buffer.add_link(distribution, dct::FORMAT, &file_type);
    buffer.add_typed(
        distribution,
        dcat::BYTE_SIZE,
        &file.bytes.to_string(),
        xsd::NON_NEGATIVE_INTEGER,
    );
    buffer.add_typed(
        distribution,
        dct::MODIFIED,
        &file.modified.to_rfc3339(),
        xsd::DATE_TIME,
    );
    for licence in licences {
        buffer.add_link(distribution, dct::LICENSE, licence);
    }
}

/// The SPARQL endpoint and the Graph Store, serving every dataset of the catalogue.
fn write_services(
    buffer: &mut QuadBuffer,
    minter: &IriMinter,
    catalog: &NamedNode,
    served: &[NamedNode],
) {
    let services = [
        (
            "sparql",
            "Point d'accès SPARQL d'ancrage",
            "ancrage SPARQL endpoint",
            SPARQL_PROTOCOL,
        ),
        (
            "store",
            "Lecture des graphes d'ancrage (SPARQL Graph Store)",
            "ancrage graphs (SPARQL Graph Store, read only)",
            GRAPH_STORE_PROTOCOL,
        ),
    ];
    for (path, title_fr, title_en, protocol) in services {
        let service = minter.at(&format!("{CATALOGUE_PATH}#service-{path}"));
        buffer.add_link(catalog, dcat::SERVICE, &service);
        buffer.add_type(&service, dcat::DATA_SERVICE);
        buffer.add_lang_text(&service, dct::TITLE, title_fr, "fr");
        buffer.add_lang_text(&service, dct::TITLE, title_en, "en");
        buffer.add_link(&service, dcat::ENDPOINT_URL, &minter.at(path));
        buffer.add_link(
            &service,
            dct::CONFORMS_TO,
            &NamedNode::new_unchecked(protocol),
        );
        for dataset in served {
            buffer.add_link(&service, dcat::SERVES_DATASET, dataset);
        }
    }
}

fn domaines(minter: &IriMinter) -> NamedNode {
    minter.at("theme/domaines")
}

/// The IRIs of the first column of a query's rows.
fn iris(
    store: &Store,
    text: &str,
    bindings: &[(&str, Term)],
) -> Result<Vec<NamedNode>, StoreError> {
    let rows = store.select(text, bindings)?;
    let Some(variable) = rows.variables.first().cloned() else {
        return Ok(Vec::new());
    };
    Ok(rows
        .iter()
        .filter_map(|row| match row.term(&variable) {
            Some(Term::NamedNode(node)) => Some(node.clone()),
            _ => None,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules_map_to_the_eu_frequencies() {
        let code = |duration: &str| {
            frequency_for_duration(duration)
                .as_str()
                .trim_start_matches(FREQUENCY)
                .to_owned()
        };
        assert_eq!(code("P1M"), "MONTHLY");
        assert_eq!(code("p7d"), "WEEKLY");
        assert_eq!(code("P1D"), "DAILY");
        assert_eq!(code("P1Y"), "ANNUAL");
        assert_eq!(code("P3M"), "QUARTERLY");
        assert_eq!(code("P10D"), "OTHER");
    }
}
