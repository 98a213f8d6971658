//! Facet counts: disjunctive, checked against a brute-force count over the generated corpus
//! and against the total of the request with the facet's selection replaced by the value.

use ancrage::search::{FacetCount, FacetNode, SearchDocument, SearchIndex, SearchRequest};

use super::common::{Facet, corpus, passes};

/// A flat facet: its values in a document, and the request field that filters it.
type FlatFacet = (
    Facet,
    fn(&SearchDocument) -> &Vec<String>,
    fn(&mut SearchRequest) -> &mut Vec<String>,
);

const FLAT: [FlatFacet; 6] = [
    (Facet::Publics, |d| &d.publics, |r| &mut r.publics),
    (Facet::Methods, |d| &d.methods, |r| &mut r.methods),
    (Facet::Networks, |d| &d.networks, |r| &mut r.networks),
    (
        Facet::ActorTypes,
        |d| &d.actor_types,
        |r| &mut r.actor_types,
    ),
    (Facet::Sources, |d| &d.sources, |r| &mut r.sources),
    (Facet::Scales, |d| &d.scales, |r| &mut r.scales),
];

fn requests() -> Vec<SearchRequest> {
    let base = SearchRequest {
        facets: true,
        limit: 0,
        ..Default::default()
    };
    vec![
        base.clone(),
        SearchRequest {
            publics: vec!["jeunes".into()],
            ..base.clone()
        },
        SearchRequest {
            publics: vec!["jeunes".into(), "familles".into()],
            methods: vec!["atelier".into()],
            themes: vec!["inclusion".into()],
            ..base.clone()
        },
        SearchRequest {
            territory: Some("departement:840".into()),
            networks: vec!["emmaus".into()],
            ..base.clone()
        },
        SearchRequest {
            territory: Some("epci:1121".into()),
            scales: vec!["locale".into(), "regionale".into()],
            ..base.clone()
        },
        SearchRequest {
            territory: Some("commune:11210".into()),
            ..base.clone()
        },
        SearchRequest {
            text: "jardin".into(),
            sources: vec!["source-a".into()],
            ..base
        },
    ]
}

#[test]
fn every_flat_count_equals_the_brute_force_count() {
    let documents = corpus(400, 3);
    let index = index_with_corpus(&documents);
    for request in requests()
        .into_iter()
        .filter(|request| request.text.is_empty())
    {
        let facets = index.search(&request).unwrap().facets;
        let lists = [
            &facets.publics,
            &facets.methods,
            &facets.networks,
            &facets.actor_types,
            &facets.sources,
            &facets.scales,
        ];
        for ((facet, values_of, _), counts) in FLAT.iter().zip(lists) {
            let mut expected: Vec<FacetCount> = Vec::new();
            for document in documents
                .iter()
                .filter(|d| passes(d, &request, Some(*facet)))
            {
                for value in values_of(document) {
                    match expected.iter_mut().find(|count| &count.value == value) {
                        Some(count) => count.count += 1,
                        None => expected.push(FacetCount {
                            value: value.clone(),
                            count: 1,
                        }),
                    }
                }
            }
            expected.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
            assert_eq!(counts, &expected, "{facet:?} for {request:?}");
        }
    }
}

#[test]
fn every_count_equals_the_total_with_that_value_as_the_facet_filter() {
    let documents = corpus(400, 5);
    let index = index_with_corpus(&documents);
    for request in requests() {
        let response = index.search(&request).unwrap();
        let facets = &response.facets;
        let lists = [
            &facets.publics,
            &facets.methods,
            &facets.networks,
            &facets.actor_types,
            &facets.sources,
            &facets.scales,
        ];
        let mut checked = 0;
        for ((_, _, field), counts) in FLAT.iter().zip(lists) {
            for count in counts {
                let mut narrowed = request.clone();
                *field(&mut narrowed) = vec![count.value.clone()];
                assert_eq!(
                    total(&index, &narrowed),
                    count.count,
                    "{} in {request:?}",
                    count.value
                );
                checked += 1;
            }
        }
        for node in walk(&facets.themes) {
            let narrowed = SearchRequest {
                themes: vec![node.value.clone()],
                ..request.clone()
            };
            assert_eq!(total(&index, &narrowed), node.count, "theme {}", node.value);
            checked += 1;
        }
        for node in walk(&facets.territories) {
            let narrowed = SearchRequest {
                territory: Some(node.value.clone()),
                serves: Vec::new(),
                ..request.clone()
            };
            assert_eq!(
                total(&index, &narrowed),
                node.count,
                "territory {}",
                node.value
            );
            checked += 1;
        }
        assert!(
            checked > 20,
            "too few facet values were checked for {request:?}"
        );
    }
}

#[test]
fn the_territory_tree_expands_the_branch_of_the_filter() {
    let documents = corpus(400, 5);
    let index = index_with_corpus(&documents);
    let depth_of = |request: &SearchRequest| {
        let facets = index.search(request).unwrap().facets;
        let deepest = walk(&facets.territories)
            .map(|node| node.value.clone())
            .filter(|v| v.starts_with("commune:"));
        (facets.territories.len(), deepest.collect::<Vec<_>>())
    };
    let base = SearchRequest {
        facets: true,
        limit: 0,
        ..Default::default()
    };

    // No filter: the two régions and their départements, no commune.
    let (regions, communes) = depth_of(&base);
    assert_eq!(regions, 2);
    assert!(communes.is_empty());

    // An EPCI: its communes are shown, and only those.
    let epci = SearchRequest {
        territory: Some("epci:1121".into()),
        ..base.clone()
    };
    let (_, mut communes) = depth_of(&epci);
    communes.sort();
    assert_eq!(
        communes,
        ["commune:11210", "commune:11211", "commune:11212"]
    );
    let under_epci = |code: &str| code.starts_with("commune:1121");
    let (_, communes) = depth_of(&SearchRequest {
        territory: Some("commune:11210".into()),
        ..base
    });
    assert!(
        communes.iter().all(|code| under_epci(code)) && communes.len() == 3,
        "{communes:?}"
    );
}

#[test]
fn the_theme_tree_nests_narrower_themes() {
    let documents = corpus(200, 9);
    let index = index_with_corpus(&documents);
    let facets = index
        .search(&SearchRequest {
            facets: true,
            ..Default::default()
        })
        .unwrap()
        .facets;
    let inclusion = facets
        .themes
        .iter()
        .find(|node| node.value == "inclusion")
        .unwrap();
    let mut children: Vec<&str> = inclusion
        .children
        .iter()
        .map(|node| node.value.as_str())
        .collect();
    children.sort();
    assert_eq!(children, ["inclusion-numerique", "inclusion-sociale"]);
    let expected = documents
        .iter()
        .filter(|d| d.themes.iter().any(|path| path[0] == "inclusion"))
        .count();
    assert_eq!(inclusion.count, expected);
}

#[test]
fn facets_are_empty_unless_asked() {
    let index = index_with_corpus(&corpus(20, 1));
    let response = index.search(&SearchRequest::default()).unwrap();
    assert_eq!(response.facets, Default::default());
    assert_eq!(response.total, 20);
}

/// An index built in several commits, so that counts are summed over several segments.
fn index_with_corpus(documents: &[SearchDocument]) -> SearchIndex {
    let index = SearchIndex::in_memory().unwrap();
    for chunk in documents.chunks(documents.len().div_ceil(3)) {
        index.upsert(chunk).unwrap();
    }
    index
}

fn total(index: &SearchIndex, request: &SearchRequest) -> usize {
    let request = SearchRequest {
        facets: false,
        ..request.clone()
    };
    index.search(&request).unwrap().total
}

fn walk(nodes: &[FacetNode]) -> impl Iterator<Item = &FacetNode> {
    let mut stack: Vec<&FacetNode> = nodes.iter().collect();
    std::iter::from_fn(move || {
        let node = stack.pop()?;
        stack.extend(node.children.iter());
        Some(node)
    })
}
