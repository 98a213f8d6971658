//! Search benchmark: builds an index of synthetic initiatives, then times a mix of queries, and
//! in the same run the same texts and words with SQLite FTS5 and with a SPARQL `CONTAINS` filter
//! on an Oxigraph store, as comparisons.
//!
//! ```text
//! cargo bench --bench search -- [DOCUMENTS] [--queries N] [--dir DIR] [--sparql-queries N]
//! ```
//!
//! Documents default to 100 000. With `--dir`, the index is kept in DIR and reused by the next
//! run with the same number of documents; otherwise it lives in a temporary directory.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use ancrage::search::{SearchDocument, SearchIndex, SearchRequest};

/// Topical words, from the most to the least frequent.
const TOPICAL: &str = "solidaire accompagnement numérique insertion emploi jeunes alimentaire \
    jardin atelier inclusion médiation santé logement mobilité culture association entraide \
    épicerie formation familles seniors quartier réemploi ressourcerie partage tiers-lieu \
    accueil aide alimentation animation apprentissage artisanat autonomie bénévolat bibliothèque \
    bien-être boutique café centre chantier circuit citoyen climat cohésion collectif commerce \
    communauté compostage conseil coopérative covoiturage création crèche cuisine culturel \
    développement dignité distribution diversité don droit école écologie économie éducation \
    égalité énergie enfance enfants entreprise environnement équipement espace étudiants \
    événement famille femmes ferme festival fracture garage gestion gratuit habitat handicap \
    hébergement histoire initiation innovation jeunesse jeux langue lecture lien local loisirs \
    maison marché musique nature outils parentalité partagé participation patrimoine pauvreté \
    pédagogie permanence personnes plateforme point pôle potager prévention production projet \
    proximité publics recyclage réparation repair réseau restaurant rencontre rural savoir \
    scolaire service services social sociale soins solidarité soutien sport territoire \
    transition transport travail université urbain vélo vie village ville voisinage bricolage \
    couture informatique accessibilité vacances précarité isolement dépendance aidants migrants \
    réfugiés alphabétisation illettrisme numériques emplois sociales solidaires";
const STOP: &[&str] = &[
    "de", "la", "les", "et", "pour", "des", "un", "une", "avec", "dans", "du", "à",
];
const SYLLABLES: &[&str] = &[
    "ba", "be", "bou", "ca", "cha", "co", "da", "de", "fa", "fon", "ga", "gre", "la", "le", "lon",
    "ma", "mon", "na", "ne", "pa", "pe", "ra", "ri", "ro", "sa", "sen", "ta", "te", "tou", "va",
    "ve", "vil",
];
const THEMES: &[(&str, &[&str])] = &[
    (
        "inclusion",
        &[
            "inclusion-numerique",
            "inclusion-sociale",
            "acces-aux-droits",
            "handicap",
        ],
    ),
    (
        "travail",
        &["insertion", "emploi-jeunes", "formation", "entrepreneuriat"],
    ),
    (
        "alimentation",
        &["aide-alimentaire", "circuits-courts", "jardins"],
    ),
    ("culture", &["lecture", "musique", "patrimoine", "arts"]),
    (
        "environnement",
        &["reemploi", "energie", "biodiversite", "mobilite-douce"],
    ),
    ("sante", &["prevention", "acces-aux-soins", "sante-mentale"]),
    ("logement", &["hebergement", "habitat-partage"]),
    (
        "education",
        &["soutien-scolaire", "parentalite", "petite-enfance"],
    ),
    (
        "lien-social",
        &["isolement", "intergenerationnel", "vie-de-quartier"],
    ),
    ("sport", &["sport-sante", "sport-inclusion"]),
];
const PUBLICS: &[&str] = &[
    "tous",
    "jeunes",
    "seniors",
    "familles",
    "enfants",
    "femmes",
    "demandeurs-emploi",
    "personnes-handicapees",
    "migrants",
    "etudiants",
    "aidants",
    "sans-abri",
];
const METHODS: &[&str] = &[
    "atelier",
    "accompagnement",
    "permanence",
    "formation",
    "evenement",
    "plateforme",
    "lieu-ouvert",
    "itinerant",
    "pair-aidance",
    "chantier",
];
const ACTOR_TYPES: &[&str] = &[
    "association",
    "collectivite",
    "entreprise",
    "cooperative",
    "etablissement-public",
    "collectif",
];
const SOURCES: &[&str] = &["source-a", "source-b", "source-c", "source-d", "source-e"];
const SCALES: &[&str] = &["locale", "departementale", "regionale", "nationale"];

fn main() {
    let config = BenchConfig::from_args();
    let france = France::generate(&mut Rng(1));
    let topical: Vec<&str> = TOPICAL.split_whitespace().collect();
    let tail: Vec<String> = (0..20_000)
        .map(|n| pseudo_word(&mut Rng(n + 7), 3))
        .collect();
    let words = Words { topical, tail };

    let (index, _temp) = open_index(&config, &france, &words);
    let size = directory_size(&index_dir(&config, &_temp));
    println!(
        "documents: {}  size on disk: {:.1} MB",
        index.len(),
        size as f64 / 1e6
    );

    let mut rng = Rng(42);
    let requests: Vec<SearchRequest> = (0..config.queries)
        .map(|_| random_request(&mut rng, &words, &france))
        .collect();
    for request in requests.iter().take(50) {
        index.search(request).expect("warm-up search");
    }
    for facets in [false, true] {
        let mut latencies = Vec::with_capacity(requests.len());
        let mut totals = Vec::with_capacity(requests.len());
        for request in &requests {
            let request = SearchRequest {
                facets,
                ..request.clone()
            };
            let started = Instant::now();
            let response = index.search(&request).expect("search");
            latencies.push(started.elapsed());
            totals.push(response.total);
        }
        report(
            if facets {
                "with facets"
            } else {
                "without facets"
            },
            latencies,
            totals,
        );
    }

    let prefixes: Vec<String> = (0..200)
        .map(|_| {
            let word = words.topical(&mut rng);
            word.chars().take(2 + rng.below(3)).collect()
        })
        .collect();
    let mut latencies = Vec::new();
    for prefix in &prefixes {
        let started = Instant::now();
        index.suggest(prefix, 8).expect("suggest");
        latencies.push(started.elapsed());
    }
    report("suggest (2-4 letters)", latencies, vec![0]);

    let texts: Vec<Vec<String>> = requests
        .iter()
        .map(|request| words_of(&request.text))
        .collect();
    let mut rng = Rng(3);
    let documents: Vec<SearchDocument> = (0..config.documents)
        .map(|n| random_document(n, &mut rng, &words, &france))
        .collect();
    compare_with_sqlite(&documents, &texts);
    compare_with_sparql(&documents, &texts, config.sparql_queries);
}

fn words_of(text: &str) -> Vec<String> {
    text.split_whitespace()
        .filter(|word| !STOP.contains(word))
        .map(str::to_lowercase)
        .collect()
}

/// The same texts in an SQLite FTS5 table (diacritics removed), queried with the same words:
/// the total and the 20 best by BM25, as the search API answers.
fn compare_with_sqlite(documents: &[SearchDocument], texts: &[Vec<String>]) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let connection = rusqlite::Connection::open(dir.path().join("fts.db")).expect("sqlite");
    connection
        .execute_batch(
            "CREATE VIRTUAL TABLE docs USING fts5(iri UNINDEXED, name, description, other, \
             tokenize = 'unicode61 remove_diacritics 2');",
        )
        .expect("fts5 table");
    let started = Instant::now();
    let transaction = connection.unchecked_transaction().expect("transaction");
    {
        let mut insert = transaction
            .prepare("INSERT INTO docs (iri, name, description, other) VALUES (?1, ?2, ?3, ?4)")
            .expect("insert");
        for document in documents {
            let description = document.description.clone().unwrap_or_default();
            insert
                .execute((
                    &document.iri,
                    &document.name,
                    description,
                    document.other_texts.join(" "),
                ))
                .expect("row");
        }
    }
    transaction.commit().expect("commit");
    println!(
        "SQLite FTS5: built {} rows in {:.1} s, {:.1} MB",
        documents.len(),
        started.elapsed().as_secs_f64(),
        directory_size(dir.path()) as f64 / 1e6
    );
    let mut count = connection
        .prepare("SELECT count(*) FROM docs WHERE docs MATCH ?1")
        .expect("count");
    let mut top = connection
        .prepare("SELECT iri FROM docs WHERE docs MATCH ?1 ORDER BY bm25(docs, 0.0, 3.0, 1.0, 2.0) LIMIT 20")
        .expect("top");
    let mut latencies = Vec::new();
    let mut totals = Vec::new();
    for words in texts.iter().filter(|words| !words.is_empty()) {
        let expression: Vec<String> = words
            .iter()
            .map(|word| format!("\"{}\"", word.replace('"', "")))
            .collect();
        let expression = expression.join(" ");
        let started = Instant::now();
        let total: i64 = count
            .query_row([&expression], |row| row.get(0))
            .expect("count row");
        let hits: Vec<String> = top
            .query_map([&expression], |row| row.get(0))
            .expect("top rows")
            .collect::<Result<_, _>>()
            .expect("top row");
        latencies.push(started.elapsed());
        assert!(hits.len() <= 20);
        totals.push(total as usize);
    }
    report("SQLite FTS5", latencies, totals);
}

/// The same names and descriptions as literals of an Oxigraph store, queried with a
/// `CONTAINS` filter per word: what a SPARQL user can do without the search service.
fn compare_with_sparql(documents: &[SearchDocument], texts: &[Vec<String>], queries: usize) {
    use oxigraph::model::{GraphName, Literal, NamedNode, Quad};
    let store = ancrage::store::Store::in_memory().expect("store");
    let name = NamedNode::new_unchecked("https://w3id.org/ancrage/ontology#name");
    let description = NamedNode::new_unchecked("https://w3id.org/ancrage/ontology#description");
    let quads = documents.iter().flat_map(|document| {
        let subject = NamedNode::new_unchecked(document.iri.clone());
        let mut quads = vec![Quad::new(
            subject.clone(),
            name.clone(),
            Literal::new_simple_literal(&document.name),
            GraphName::DefaultGraph,
        )];
        if let Some(text) = &document.description {
            quads.push(Quad::new(
                subject,
                description.clone(),
                Literal::new_simple_literal(text),
                GraphName::DefaultGraph,
            ));
        }
        quads
    });
    store.bulk_load(quads, |_| ()).expect("bulk load");
    let mut latencies = Vec::new();
    let mut totals = Vec::new();
    for words in texts.iter().filter(|words| !words.is_empty()).take(queries) {
        let filters: Vec<String> = words
            .iter()
            .map(|word| {
                format!(
                    "CONTAINS(LCASE(?text), \"{}\")",
                    word.replace(['"', '\\'], "")
                )
            })
            .collect();
        let query = format!(
            "SELECT (COUNT(DISTINCT ?i) AS ?n) WHERE {{ ?i ?p ?text FILTER({}) }}",
            filters.join(" && ")
        );
        let started = Instant::now();
        let rows = store.select(&query, &[]).expect("query");
        latencies.push(started.elapsed());
        totals.push(
            rows.iter()
                .next()
                .and_then(|row| row.integer("n"))
                .unwrap_or(0) as usize,
        );
    }
    report("SPARQL CONTAINS", latencies, totals);
}

struct BenchConfig {
    documents: usize,
    queries: usize,
    dir: Option<PathBuf>,
    sparql_queries: usize,
}

impl BenchConfig {
    fn from_args() -> BenchConfig {
        let mut config = BenchConfig {
            documents: 100_000,
            queries: 1000,
            dir: None,
            sparql_queries: 30,
        };
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--queries" => {
                    config.queries = args
                        .next()
                        .and_then(|n| n.parse().ok())
                        .expect("--queries N")
                }
                "--dir" => config.dir = args.next().map(PathBuf::from),
                "--sparql-queries" => {
                    config.sparql_queries = args
                        .next()
                        .and_then(|n| n.parse().ok())
                        .expect("--sparql-queries N")
                }
                "--bench" => (),
                number => config.documents = number.replace('_', "").parse().expect("DOCUMENTS"),
            }
        }
        config
    }
}

fn open_index(
    config: &BenchConfig,
    france: &France,
    words: &Words,
) -> (SearchIndex, Option<tempfile::TempDir>) {
    let temp = match &config.dir {
        Some(_) => None,
        None => Some(tempfile::tempdir().expect("temporary directory")),
    };
    let dir = index_dir(config, &temp);
    let index = SearchIndex::open_or_create(&dir).expect("open index");
    if index.len() == config.documents {
        println!("reusing the index in {}", dir.display());
        return (index, temp);
    }

    let started = Instant::now();
    let mut rng = Rng(3);
    let documents = (0..config.documents).map(|n| random_document(n, &mut rng, words, france));
    let count = index.replace_all(documents).expect("build");
    let elapsed = started.elapsed();
    println!(
        "built {count} documents in {:.1} s ({:.0} documents/s), one segment per core",
        elapsed.as_secs_f64(),
        count as f64 / elapsed.as_secs_f64()
    );
    (index, temp)
}

fn index_dir(config: &BenchConfig, temp: &Option<tempfile::TempDir>) -> PathBuf {
    match (&config.dir, temp) {
        (Some(dir), _) => dir.clone(),
        (None, Some(temp)) => temp.path().join("index"),
        (None, None) => unreachable!("a directory is always chosen"),
    }
}

fn report(label: &str, mut latencies: Vec<Duration>, mut totals: Vec<usize>) {
    if latencies.is_empty() {
        println!("{label:>22}: not measured");
        return;
    }
    latencies.sort();
    totals.sort();
    let at = |q: f64| latencies[((latencies.len() - 1) as f64 * q).round() as usize];
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let mean: f64 = latencies.iter().map(|d| ms(*d)).sum::<f64>() / latencies.len() as f64;
    println!(
        "{label:>22}: p50 {:6.2} ms  p90 {:6.2} ms  p99 {:6.2} ms  max {:6.2} ms  mean {:6.2} ms  \
         (median total {}, max total {})",
        ms(at(0.5)),
        ms(at(0.9)),
        ms(at(0.99)),
        ms(at(1.0)),
        mean,
        totals[totals.len() / 2],
        totals[totals.len() - 1],
    );
}

fn directory_size(path: &Path) -> u64 {
    std::fs::read_dir(path)
        .map(|entries| {
            entries
                .flatten()
                .filter_map(|entry| entry.metadata().ok())
                .map(|meta| meta.len())
                .sum()
        })
        .unwrap_or(0)
}

/// A request like the ones people send: one to three words, sometimes a typo, facets and a
/// territory now and then.
fn random_request(rng: &mut Rng, words: &Words, france: &France) -> SearchRequest {
    let count = 1 + rng.below(3);
    let mut text: Vec<String> = (0..count).map(|_| words.topical(rng).to_string()).collect();
    if rng.below(10) == 0 {
        text[0] = with_typo(rng, &text[0]);
    }
    let mut request = SearchRequest {
        text: text.join(" "),
        limit: 20,
        ..Default::default()
    };
    if rng.below(10) < 3 {
        request.publics = vec![rng.pick(PUBLICS).to_string()];
    }
    if rng.below(10) < 2 {
        let (theme, _) = rng.pick(THEMES);
        request.themes = vec![theme.to_string()];
    }
    if rng.below(10) < 1 {
        request.methods = vec![rng.pick(METHODS).to_string(), rng.pick(METHODS).to_string()];
    }
    if rng.below(10) < 3 {
        let commune = &france.communes[rng.below(france.communes.len())];
        let level = rng.below(3);
        request.territory = Some(commune.path[level].clone());
        request.serves = commune.path[..=level].to_vec();
    }
    if rng.below(20) == 0 {
        let commune = &france.communes[rng.below(france.communes.len())];
        request.near = Some((commune.point.0, commune.point.1, 20.0));
    }
    request
}

fn random_document(n: usize, rng: &mut Rng, words: &Words, france: &France) -> SearchDocument {
    // Larger communes hold more initiatives: a skewed pick.
    let commune = &france.communes[rng.skewed(france.communes.len())];
    let name: Vec<&str> = (0..2 + rng.below(4)).map(|_| words.topical(rng)).collect();
    let description: Vec<&str> = (0..15 + rng.below(30))
        .map(|_| match rng.below(10) {
            0..4 => *rng.pick(STOP),
            4..7 => words.topical(rng),
            _ => rng.pick(&words.tail).as_str(),
        })
        .collect();
    let themes: Vec<Vec<String>> = (0..1 + rng.below(3))
        .map(|_| {
            let (top, narrower) = rng.pick(THEMES);
            match rng.below(4) {
                0 => vec![top.to_string()],
                _ => vec![top.to_string(), rng.pick(narrower).to_string()],
            }
        })
        .collect();
    let mut other_texts = vec![commune.name.clone()];
    if rng.below(2) == 0 {
        other_texts.push(format!(
            "Association {} {}",
            words.topical(rng),
            pseudo_word(rng, 2)
        ));
    }
    let serves = match rng.below(5) {
        0 => vec![commune.path[rng.below(2)].clone()],
        _ => Vec::new(),
    };
    SearchDocument {
        iri: format!("https://ancrage.example/initiative/{n:08}"),
        name: capitalize(&name.join(" ")),
        description: (rng.below(10) > 0).then(|| description.join(" ")),
        other_texts,
        themes,
        publics: rng.some(PUBLICS, 3),
        methods: rng.some(METHODS, 2),
        networks: match rng.below(5) {
            0 | 1 => vec![format!("reseau-{}", rng.below(30))],
            _ => Vec::new(),
        },
        actor_types: vec![rng.pick(ACTOR_TYPES).to_string()],
        sources: vec![rng.pick(SOURCES).to_string()],
        scales: vec![rng.pick(SCALES).to_string()],
        territory_path: commune.path.clone(),
        serves,
        point: Some((
            commune.point.0 + rng.jitter(0.02),
            commune.point.1 + rng.jitter(0.02),
        )),
        quality: rng.below(11) as f64 / 10.0,
    }
}

struct Words {
    topical: Vec<&'static str>,
    tail: Vec<String>,
}

impl Words {
    /// A topical word, with a mildly skewed frequency (weight 1 / (rank + 10)).
    fn topical(&self, rng: &mut Rng) -> &'static str {
        let len = self.topical.len() as f64;
        // Inverse of the cumulative weight ln((rank + 10) / 10) / ln((len + 10) / 10).
        let u = rng.unit();
        let rank = (10.0 * ((len + 10.0) / 10.0).powf(u) - 10.0) as usize;
        self.topical[rank.min(self.topical.len() - 1)]
    }
}

/// 18 régions, 101 départements, about 1 250 EPCIs and 35 000 communes.
struct France {
    communes: Vec<Commune>,
}

struct Commune {
    name: String,
    path: Vec<String>,
    point: (f64, f64),
}

impl France {
    fn generate(rng: &mut Rng) -> France {
        let mut communes = Vec::with_capacity(35_000);
        for departement in 0..101 {
            let region = departement % 18;
            let center = (42.5 + rng.unit() * 8.5, -4.5 + rng.unit() * 12.0);
            for epci in 0..12 + rng.below(2) {
                let epci_code = format!("epci:2{departement:03}{epci:05}");
                for commune in 0..(347 / 12) {
                    let path = vec![
                        format!("region:{region:02}"),
                        format!("departement:{departement:03}"),
                        epci_code.clone(),
                        format!("commune:{departement:03}{epci:02}{commune:03}"),
                    ];
                    let point = (center.0 + rng.jitter(0.5), center.1 + rng.jitter(0.7));
                    communes.push(Commune {
                        name: capitalize(&pseudo_word(rng, 3)),
                        path,
                        point,
                    });
                }
            }
        }
        France { communes }
    }
}

fn pseudo_word(rng: &mut Rng, syllables: usize) -> String {
    (0..1 + rng.below(syllables))
        .map(|_| *rng.pick(SYLLABLES))
        .collect::<Vec<_>>()
        .concat()
        + "r"
}

fn with_typo(rng: &mut Rng, word: &str) -> String {
    let mut chars: Vec<char> = word.chars().collect();
    if chars.len() > 5 {
        let at = 1 + rng.below(chars.len() - 2);
        chars.swap(at, at + 1);
    }
    chars.into_iter().collect()
}

fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// splitmix64: deterministic, so every run indexes and queries the same data.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// Skewed towards 0: the square of a uniform draw.
    fn skewed(&mut self, n: usize) -> usize {
        let u = self.unit();
        ((u * u * n as f64) as usize).min(n - 1)
    }

    fn jitter(&mut self, amplitude: f64) -> f64 {
        (self.unit() * 2.0 - 1.0) * amplitude
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn some(&mut self, items: &[&str], max: usize) -> Vec<String> {
        let mut chosen: Vec<String> = Vec::new();
        for _ in 0..1 + self.below(max) {
            let item = self.pick(items).to_string();
            if !chosen.contains(&item) {
                chosen.push(item);
            }
        }
        chosen
    }
}
