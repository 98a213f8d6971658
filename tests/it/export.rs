//! Exports of a search (CSV, GeoJSON, JSON-LD) against the search API and the graph of the test
//! site.

use std::collections::{BTreeMap, BTreeSet};

use ancrage::account::{NewAccount, Role};
use oxigraph::io::{LoadedDocument, RdfFormat, RdfParser};
use oxigraph::model::{NamedOrBlankNode, Term};

use crate::common::{Answer, BASE, get, site};

const ANC: &str = "https://w3id.org/ancrage/ontology#";
const RDF_TYPE: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type";

/// IRIs of every result of `/api/search?{query}`, in order, walking the pages.
async fn search_in_order(query: &str) -> Vec<String> {
    let mut iris = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path = format!("/api/search?{query}&limit=500&facets=0");
        if let Some(cursor) = &cursor {
            path.push_str(&format!("&cursor={cursor}"));
        }
        let answer = get(&path, None).await;
        assert_eq!(answer.status, 200, "{}", answer.text());
        let body: serde_json::Value = serde_json::from_slice(&answer.body).unwrap();
        let results = body["results"].as_array().unwrap();
        iris.extend(
            results
                .iter()
                .map(|hit| hit["iri"].as_str().unwrap().to_owned()),
        );
        match body["next_cursor"].as_str() {
            Some(next) if !results.is_empty() => cursor = Some(next.to_owned()),
            _ => return iris,
        }
    }
}

/// A query with a facet value the data really has: the first public of the `france` search.
async fn faceted_query() -> String {
    let answer = get("/api/search?q=france&limit=0", None).await;
    let body: serde_json::Value = serde_json::from_slice(&answer.body).unwrap();
    let public = body["facets"]["publics"][0]["value"].as_str().unwrap();
    format!("q=france&public={public}")
}

async fn export(format: &str, query: &str) -> Answer {
    let answer = get(&format!("/api/search/export.{format}?{query}"), None).await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    answer
}

/// The CSV's rows as maps from column name to value, after checking the byte-order mark.
fn csv_rows(answer: &Answer) -> Vec<BTreeMap<String, String>> {
    assert_eq!(
        &answer.body[..3],
        [0xEF, 0xBB, 0xBF],
        "the CSV starts with a BOM"
    );
    let mut reader = csv::Reader::from_reader(&answer.body[3..]);
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    reader
        .records()
        .map(|record| {
            header
                .iter()
                .cloned()
                .zip(record.unwrap().iter().map(str::to_owned))
                .collect()
        })
        .collect()
}

/// Pairs of the first two columns of a query on the test site's store.
fn pairs(query: &str) -> BTreeMap<String, String> {
    let rows = site().platform.store.select(query, &[]).unwrap();
    let (first, second) = (&rows.variables[0], &rows.variables[1]);
    rows.iter()
        .filter_map(|row| Some((row.text(first)?.to_owned(), row.text(second)?.to_owned())))
        .collect()
}

#[tokio::test]
async fn a_csv_export_has_exactly_the_rows_of_its_search_in_order() {
    for query in [
        faceted_query().await,
        "q=poste&territory=region:84".to_owned(),
    ] {
        let expected = search_in_order(&query).await;
        assert!(!expected.is_empty(), "{query} finds initiatives");

        let answer = export("csv", &query).await;
        assert_eq!(answer.media_type(), "text/csv");
        let disposition = answer.header("content-disposition");
        assert!(disposition.starts_with("attachment; filename=") && disposition.contains(".csv"));
        let pages: Vec<String> = csv_rows(&answer)
            .into_iter()
            .map(|row| row["page"].clone())
            .collect();
        assert_eq!(pages, expected, "{query}");
    }
}

#[tokio::test]
async fn csv_labels_are_those_of_the_graph_with_their_accents() {
    let answer = export("csv", "territory=region:84").await;
    let rows = csv_rows(&answer);
    let communes = pairs(&format!(
        "SELECT ?i ?nom WHERE {{ ?i <{ANC}commune> ?c . ?c <http://rdf.insee.fr/def/geo#nom> ?nom }}"
    ));
    let region = pairs(
        "SELECT ?c ?nom WHERE { ?r <http://rdf.insee.fr/def/geo#codeINSEE> ?c ; \
         a <http://rdf.insee.fr/def/geo#Region> ; <http://rdf.insee.fr/def/geo#nom> ?nom }",
    )["84"]
        .clone();
    assert!(!region.is_ascii(), "Auvergne-Rhône-Alpes has an accent");

    let mut accented = 0;
    for row in &rows {
        assert_eq!(row["region"], region);
        if let Some(name) = communes.get(&row["page"]) {
            assert_eq!(&row["commune"], name, "{}", row["page"]);
            accented += usize::from(!name.is_ascii());
        }
    }
    assert!(accented > 0, "some communes of the région have accents");
}

#[tokio::test]
async fn a_geojson_export_has_a_point_per_initiative_at_its_wkt_position() {
    let query = "q=poste&territory=region:84";
    let total = search_in_order(query).await.len();
    let answer = export("geojson", query).await;
    assert_eq!(answer.media_type(), "application/geo+json");
    let collection: geojson::FeatureCollection = serde_json::from_slice(&answer.body).unwrap();
    assert_eq!(collection.features.len(), total);

    let points = pairs(&format!(
        "SELECT ?i ?wkt WHERE {{ ?i a <{ANC}Initiative> ; \
         <http://www.opengis.net/ont/geosparql#hasGeometry>/<http://www.opengis.net/ont/geosparql#asWKT> ?wkt }}"
    ));
    let mut located = 0;
    for feature in &collection.features {
        let page = feature.properties.as_ref().unwrap()["page"]
            .as_str()
            .unwrap();
        let wkt = points.get(page);
        let coordinates = feature
            .geometry
            .as_ref()
            .map(|geometry| match &geometry.value {
                geojson::GeometryValue::Point { coordinates } => {
                    format!("POINT({} {})", coordinates[0], coordinates[1])
                }
                other => panic!("not a point: {other:?}"),
            });
        assert_eq!(coordinates.as_ref(), wkt, "{page}");
        located += usize::from(coordinates.is_some());
    }
    assert!(located > 0);
}

#[tokio::test]
async fn a_jsonld_export_parses_with_the_published_context_into_the_same_initiatives() {
    let query = faceted_query().await;
    let expected: BTreeSet<String> = search_in_order(&query).await.into_iter().collect();
    let answer = export("jsonld", &query).await;
    assert_eq!(answer.media_type(), "application/ld+json");

    let context = get("/contexte.jsonld", None).await.body;
    let context_url = format!("{BASE}contexte.jsonld");
    let parser = RdfParser::from_format(RdfFormat::JsonLd {
        profile: oxigraph::io::JsonLdProfileSet::empty(),
    })
    .for_slice(&answer.body)
    .with_document_loader(move |url| {
        if url != context_url {
            return Err(format!("the export names another document: {url}").into());
        }
        Ok(LoadedDocument {
            url: url.to_owned(),
            content: context.clone(),
            format: RdfFormat::JsonLd {
                profile: oxigraph::io::JsonLdProfileSet::empty(),
            },
        })
    });
    let mut initiatives = BTreeSet::new();
    let mut names = BTreeSet::new();
    for quad in parser {
        let quad = quad.expect("the export is valid JSON-LD");
        let NamedOrBlankNode::NamedNode(subject) = &quad.subject else {
            continue;
        };
        if quad.predicate.as_str() == RDF_TYPE
            && quad.object
                == Term::from(oxigraph::model::NamedNode::new_unchecked(format!(
                    "{ANC}Initiative"
                )))
        {
            initiatives.insert(subject.as_str().to_owned());
        }
        if quad.predicate.as_str() == format!("{ANC}name") {
            names.insert(subject.as_str().to_owned());
        }
    }
    assert_eq!(initiatives, expected);
    assert!(
        expected.is_subset(&names),
        "every initiative keeps its name"
    );
}

#[tokio::test]
async fn exports_refuse_bad_parameters_as_the_search_api_does() {
    for format in ["csv", "geojson", "jsonld"] {
        for query in ["bbox=1,2", "territory=99999999", "lat=45&lon=5"] {
            let answer = get(&format!("/api/search/export.{format}?{query}"), None).await;
            assert_eq!(answer.status, 400, "{format} {query}");
            let body: serde_json::Value = serde_json::from_slice(&answer.body).unwrap();
            assert!(
                body["error"]
                    .as_str()
                    .is_some_and(|error| !error.is_empty())
            );
        }
    }
}

#[tokio::test]
async fn no_private_data_reaches_an_export() {
    let email = "export.prive@example.org";
    let accounts = &site().platform.accounts;
    if accounts.find_by_email(email).unwrap().is_none() {
        let account = NewAccount {
            email,
            display_name: "Compte privé",
            password: "une phrase assez longue pour passer",
            role: Role::Contributor,
        };
        accounts.create(&account).unwrap();
    }
    for format in ["csv", "geojson", "jsonld"] {
        let answer = export(format, "").await;
        assert!(answer.body.len() > 1000);
        assert!(!answer.text().contains(email), "{format}");
    }
}

#[tokio::test]
async fn the_search_page_links_to_the_exports_of_its_search() {
    let page = get("/recherche?q=poste&territory=region:84&cursor=", None)
        .await
        .text();
    let page = page.replace("&#x2F;", "/").replace("&amp;", "&");
    assert!(
        page.contains("href=\"/api/search/export.csv?q=poste&territory=region%3A84\""),
        "{page}"
    );
    assert!(page.contains("/api/search/export.geojson?"));
    assert!(page.contains("/api/search/export.jsonld?"));
}

#[tokio::test]
async fn the_catalogue_offers_the_csv_and_geojson_of_every_initiative() {
    let catalogue = get("/catalogue", Some("application/n-triples")).await;
    assert_eq!(catalogue.status, 200);
    let triples: Vec<(String, String, String)> = RdfParser::from_format(RdfFormat::NTriples)
        .for_slice(&catalogue.body)
        .map(|quad| {
            let quad = quad.unwrap();
            let object = match &quad.object {
                Term::NamedNode(node) => node.as_str().to_owned(),
                other => other.to_string(),
            };
            (
                quad.subject.to_string(),
                quad.predicate.as_str().to_owned(),
                object,
            )
        })
        .collect();
    let objects = |subject: &str, predicate: &str| -> Vec<String> {
        triples
            .iter()
            .filter(|(s, p, _)| s == subject && p.ends_with(predicate))
            .map(|(_, _, o)| o.clone())
            .collect()
    };

    let dataset = format!("<{BASE}.well-known/void#ancrage>");
    let mut offered = BTreeSet::new();
    for distribution in objects(&dataset, "dcat#distribution") {
        let distribution = format!("<{distribution}>");
        for media_type in objects(&distribution, "dcat#mediaType") {
            let media_type = media_type.rsplit("media-types/").next().unwrap().to_owned();
            let url = objects(&distribution, "dcat#downloadURL").pop().unwrap();
            assert_eq!(
                objects(&distribution, "dcat#accessURL"),
                std::slice::from_ref(&url)
            );
            let Some(path) = url
                .strip_prefix(BASE)
                .filter(|path| path.starts_with("api/"))
            else {
                continue;
            };
            let answer = get(&format!("/{path}"), None).await;
            assert_eq!(answer.status, 200, "{url}");
            assert_eq!(answer.media_type(), media_type, "{url}");
            offered.insert(media_type);
        }
    }
    assert!(
        offered.contains("text/csv") && offered.contains("application/geo+json"),
        "{offered:?}"
    );
}
