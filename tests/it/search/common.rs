//! Helpers shared by the search tests: documents, a generated corpus, a brute-force filter.

use ancrage::search::{SearchDocument, SearchIndex, SearchRequest, SearchResponse};

/// A document with a name and middling quality; the rest is left to struct update syntax.
pub fn doc(iri: &str, name: &str) -> SearchDocument {
    SearchDocument {
        iri: iri.to_string(),
        name: name.to_string(),
        quality: 0.5,
        ..Default::default()
    }
}

/// An in-memory index holding `documents`.
pub fn index_with(documents: &[SearchDocument]) -> SearchIndex {
    let index = SearchIndex::in_memory().expect("in-memory index");
    index.upsert(documents).expect("upsert");
    index
}

/// A request for `text`, other fields at their defaults.
pub fn text(text: &str) -> SearchRequest {
    SearchRequest {
        text: text.to_string(),
        ..Default::default()
    }
}

/// The IRIs of the hits, in order.
pub fn iris(response: &SearchResponse) -> Vec<String> {
    response.hits.iter().map(|hit| hit.iri.clone()).collect()
}

/// Searches and returns the IRIs of all hits of the first page, sorted.
pub fn found(index: &SearchIndex, request: &SearchRequest) -> Vec<String> {
    let mut found = iris(&index.search(request).expect("search"));
    found.sort();
    found
}

/// A small deterministic generator (splitmix64), so the corpus is the same on every run.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// Up to `max` distinct items.
    pub fn some<T: Clone + PartialEq>(&mut self, items: &[T], max: usize) -> Vec<T> {
        let mut chosen = Vec::new();
        for _ in 0..self.below(max + 1) {
            let item = self.pick(items).clone();
            if !chosen.contains(&item) {
                chosen.push(item);
            }
        }
        chosen
    }
}

pub const THEME_PATHS: &[&[&str]] = &[
    &["inclusion"],
    &["inclusion", "inclusion-numerique"],
    &["inclusion", "inclusion-sociale"],
    &["travail", "insertion"],
    &["travail", "emploi-jeunes"],
    &["alimentation"],
    &["culture", "lecture"],
];
pub const PUBLICS: &[&str] = &["jeunes", "aines", "familles", "tous"];
pub const METHODS: &[&str] = &["atelier", "accompagnement", "tiers-lieu"];
pub const NETWORKS: &[&str] = &["france-services", "emmaus", "tiers-lieux"];
pub const ACTOR_TYPES: &[&str] = &["association", "collectivite", "entreprise"];
pub const SOURCES: &[&str] = &["source-a", "source-b"];
pub const SCALES: &[&str] = &["locale", "departementale", "regionale"];
const NAME_WORDS: &[&str] = &[
    "jardin",
    "épicerie",
    "atelier",
    "médiation",
    "numérique",
    "solidaire",
    "repair",
    "café",
    "ressourcerie",
    "lecture",
    "emploi",
    "mobilité",
    "santé",
    "logement",
];

/// Every territory path of the test hierarchy: 2 régions × 3 départements × 2 EPCIs × 3
/// communes, widest first.
pub fn territory_paths() -> Vec<Vec<String>> {
    let mut paths = Vec::new();
    for region in [11, 84] {
        for departement in 0..3 {
            for epci in 0..2 {
                for commune in 0..3 {
                    paths.push(vec![
                        format!("region:{region}"),
                        format!("departement:{region}{departement}"),
                        format!("epci:{region}{departement}{epci}"),
                        format!("commune:{region}{departement}{epci}{commune}"),
                    ]);
                }
            }
        }
    }
    paths
}

/// `count` documents with random facets, territories, points and qualities (in tenths, so
/// that many scores tie).
pub fn corpus(count: usize, seed: u64) -> Vec<SearchDocument> {
    let mut rng = Rng::new(seed);
    let territories = territory_paths();
    let all_codes: Vec<String> = territories.iter().flatten().cloned().collect();
    (0..count)
        .map(|n| {
            let name: Vec<&str> = (0..2 + rng.below(3))
                .map(|_| *rng.pick(NAME_WORDS))
                .collect();
            let path = rng.pick(&territories).clone();
            let strings = |items: &[&str]| items.iter().map(|s| s.to_string()).collect::<Vec<_>>();
            SearchDocument {
                iri: format!("https://example.org/initiative/{n:04}"),
                name: name.join(" "),
                description: Some(format!("Une initiative {}.", rng.pick(NAME_WORDS))),
                other_texts: vec![format!("Commune {}", path[3])],
                themes: rng.some(THEME_PATHS, 2).into_iter().map(&strings).collect(),
                publics: rng.some(&strings(PUBLICS), 2),
                methods: rng.some(&strings(METHODS), 2),
                networks: rng.some(&strings(NETWORKS), 1),
                actor_types: vec![rng.pick(ACTOR_TYPES).to_string()],
                sources: vec![rng.pick(SOURCES).to_string()],
                scales: rng.some(&strings(SCALES), 1),
                serves: rng.some(&all_codes, 1),
                point: (rng.below(10) > 0).then(|| {
                    (
                        43.0 + rng.below(600) as f64 / 100.0,
                        rng.below(600) as f64 / 100.0,
                    )
                }),
                quality: rng.below(11) as f64 / 10.0,
                territory_path: path,
            }
        })
        .collect()
}

/// Which facets a brute-force check leaves out.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Facet {
    Themes,
    Publics,
    Methods,
    Networks,
    ActorTypes,
    Sources,
    Scales,
    Territory,
}

/// Whether `document` passes the filters of `request` (text and geography excepted), leaving
/// out the filter of `except`: the definition the index must agree with, written naively.
pub fn passes(document: &SearchDocument, request: &SearchRequest, except: Option<Facet>) -> bool {
    let any = |selected: &[String], values: &[String]| {
        selected.is_empty() || selected.iter().any(|value| values.contains(value))
    };
    let concepts: Vec<String> = document.themes.iter().flatten().cloned().collect();
    let checks = [
        (Facet::Themes, any(&request.themes, &concepts)),
        (Facet::Publics, any(&request.publics, &document.publics)),
        (Facet::Methods, any(&request.methods, &document.methods)),
        (Facet::Networks, any(&request.networks, &document.networks)),
        (
            Facet::ActorTypes,
            any(&request.actor_types, &document.actor_types),
        ),
        (Facet::Sources, any(&request.sources, &document.sources)),
        (Facet::Scales, any(&request.scales, &document.scales)),
        (Facet::Territory, passes_territory(document, request)),
    ];
    checks
        .iter()
        .all(|&(facet, ok)| ok || Some(facet) == except)
}

fn passes_territory(document: &SearchDocument, request: &SearchRequest) -> bool {
    let located = request
        .territory
        .as_ref()
        .is_some_and(|code| document.territory_path.contains(code));
    let serves = request
        .serves
        .iter()
        .any(|code| document.serves.contains(code));
    (request.territory.is_none() && request.serves.is_empty()) || located || serves
}
