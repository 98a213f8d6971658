//! `ancrage bench map`: server time and payload of the map endpoint, through the router, on
//! search indexes of synthetic initiatives spread over the communes by population, for views of
//! France, of a département and of a city.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::Request;
use tower::ServiceExt;

use crate::Config;
use crate::iri::TerritoryKind;
use crate::platform::Platform;
use crate::search::{SearchDocument, SearchIndex};
use crate::territory::{Territories, Territory};
use crate::web::AppState;

/// Base IRI of the synthetic initiatives.
const BENCH_BASE: &str = "http://bench.ancrage.test/";
/// Synthetic points are spread this far around their commune's centre, in degrees.
const JITTER_DEGREES: f64 = 0.02;
/// The views measured: label, `view` and `zoom` (a 1280 × 900 map), and an extra request
/// parameter.
const VIEWS: [(&str, &str, &str); 4] = [
    (
        "France, markers",
        "view=41.0,-5.5,51.5,10.0&zoom=6",
        "/api/carte",
    ),
    (
        "Gironde, markers",
        "view=44.19,-1.27,45.58,0.32&zoom=9",
        "/api/carte",
    ),
    (
        "Bordeaux, markers",
        "view=44.80,-0.65,44.88,-0.52&zoom=13",
        "/api/carte",
    ),
    (
        "France, counts by département",
        "niveau=departement",
        "/api/carte/territoires",
    ),
];
const PUBLICS: [&str; 5] = ["tous", "jeunes", "seniors", "familles", "demandeurs-emploi"];

/// Sizes of the map benchmark.
#[derive(Debug, clap::Args)]
pub struct MapBenchArgs {
    /// Numbers of initiatives of the indexes measured.
    #[arg(long, value_delimiter = ',', default_values_t = [100_000, 1_000_000])]
    pub sizes: Vec<usize>,
    /// Requests timed per view.
    #[arg(long, default_value_t = 30)]
    pub repeat: usize,
    /// Seed of the synthetic initiatives.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// After measuring, serve the last index at this address until stopped, to time the pages
    /// in a browser (see BENCHMARKS.md).
    #[arg(long)]
    pub serve: Option<SocketAddr>,
}

/// One measured view.
struct ViewFigures {
    label: &'static str,
    total: u64,
    clusters: usize,
    points: usize,
    median: Duration,
    p95: Duration,
    json_bytes: usize,
    gzip_bytes: usize,
}

/// Builds each index, times the map endpoint on it, and returns the Markdown table.
pub fn bench_map(args: &MapBenchArgs) -> anyhow::Result<String> {
    let home = crate::config::default_home();
    let territories = Territories::load(&home.join("territories"))?;
    let communes = Communes::new(&territories);
    let runtime = tokio::runtime::Runtime::new()?;
    let mut table = String::from(
        "| Initiatives | View | In view | Clusters / points | Median | p95 | JSON | gzip |\n\
         |---|---|---|---|---|---|---|---|\n",
    );
    let mut last = None;
    for &size in &args.sizes {
        let scratch = ScratchDir::new(size)?;
        let started = Instant::now();
        build_index(&scratch.0.join("data"), &communes, size, args.seed)?;
        eprintln!(
            "{size} initiatives indexed in {:.1} s",
            started.elapsed().as_secs_f64()
        );

        let data_dir = scratch.0.join("data");
        let config = Config::new(data_dir, "127.0.0.1:0".parse()?, Some(BENCH_BASE))?;
        let platform = Arc::new(Platform::open(config)?);
        let state = Arc::new(AppState::new(platform)?);
        let router = crate::web::router(state);
        for (label, query, path) in VIEWS {
            let figures = runtime.block_on(time_view(&router, label, path, query, args.repeat))?;
            table.push_str(&format!(
                "| {size} | {} | {} | {} / {} | {:.1} ms | {:.1} ms | {} kB | {} kB |\n",
                figures.label,
                figures.total,
                figures.clusters,
                figures.points,
                millis(figures.median),
                millis(figures.p95),
                figures.json_bytes.div_ceil(1000),
                figures.gzip_bytes.div_ceil(1000),
            ));
        }
        last = Some((scratch, router));
    }
    if let (Some(address), Some((_scratch, router))) = (args.serve, last) {
        println!("{table}");
        eprintln!("serving the last index at http://{address}/carte; stop with Ctrl-C");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind(address).await?;
            axum::serve(listener, router).await
        })?;
    }
    Ok(table)
}

/// Times `repeat` requests of one view, gzip accepted, and reads the answer once uncompressed.
async fn time_view(
    router: &axum::Router,
    label: &'static str,
    path: &str,
    query: &str,
    repeat: usize,
) -> anyhow::Result<ViewFigures> {
    let uri = format!("{path}?{query}");
    let mut timings = Vec::with_capacity(repeat);
    let mut gzip_bytes = 0;
    for _ in 0..repeat.max(1) {
        let request = Request::get(&uri)
            .header("accept-encoding", "gzip")
            .body(Body::empty())?;
        let started = Instant::now();
        let response = router.clone().oneshot(request).await?;
        anyhow::ensure!(
            response.status().is_success(),
            "{uri}: {}",
            response.status()
        );
        let body = axum::body::to_bytes(response.into_body(), usize::MAX).await?;
        timings.push(started.elapsed());
        gzip_bytes = body.len();
    }
    timings.sort();

    let response = router
        .clone()
        .oneshot(Request::get(&uri).body(Body::empty())?)
        .await?;
    let body = axum::body::to_bytes(response.into_body(), usize::MAX).await?;
    let answer: serde_json::Value = serde_json::from_slice(&body)?;
    let length = |name: &str| answer[name].as_array().map_or(0, Vec::len);
    Ok(ViewFigures {
        label,
        total: answer["total"].as_u64().unwrap_or(0),
        clusters: length("clusters"),
        points: length("points"),
        median: timings[timings.len() / 2],
        p95: timings[(timings.len() * 95 / 100).min(timings.len() - 1)],
        json_bytes: body.len(),
        gzip_bytes,
    })
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// Communes with a centre, and the cumulated populations to draw them by population.
struct Communes<'a> {
    communes: Vec<&'a Territory>,
    cumulated: Vec<f64>,
    territories: &'a Territories,
}

impl<'a> Communes<'a> {
    fn new(territories: &'a Territories) -> Self {
        let communes: Vec<&Territory> = territories
            .of_kind(TerritoryKind::Commune)
            .filter(|commune| commune.centroid.is_some() && commune.departement.is_some())
            .collect();
        let mut total = 0.0;
        let cumulated = communes
            .iter()
            .map(|commune| {
                total += commune.population.unwrap_or(0).max(1) as f64;
                total
            })
            .collect();
        Communes {
            communes,
            cumulated,
            territories,
        }
    }

    /// The commune whose share of the population holds `fraction` (between 0 and 1).
    fn pick(&self, fraction: f64) -> &'a Territory {
        let target = fraction * self.cumulated.last().copied().unwrap_or(0.0);
        let index = self.cumulated.partition_point(|&sum| sum < target);
        self.communes[index.min(self.communes.len() - 1)]
    }

    /// Kind-prefixed codes from the région down to the commune.
    fn path_of(&self, commune: &Territory) -> Vec<String> {
        let mut path = Vec::with_capacity(4);
        let departement = commune.departement.as_deref().unwrap_or_default();
        if let Some(region) = &commune.region {
            let kind = match self.territories.get(TerritoryKind::Region, region) {
                Some(_) => TerritoryKind::Region,
                None => TerritoryKind::CollectiviteOutreMer,
            };
            path.push(format!("{}:{region}", kind.slug()));
        }
        if self
            .territories
            .get(TerritoryKind::Departement, departement)
            .is_some()
        {
            path.push(format!("departement:{departement}"));
        }
        if let Some(epci) = &commune.epci {
            path.push(format!("epci:{epci}"));
        }
        path.push(format!("commune:{}", commune.code));
        path
    }
}

/// Writes an index of `size` synthetic initiatives in `data_dir/search`.
fn build_index(
    data_dir: &Path,
    communes: &Communes<'_>,
    size: usize,
    seed: u64,
) -> anyhow::Result<()> {
    let index = SearchIndex::create_in_dir(&data_dir.join("search"))?;
    let mut random = SplitMix(seed);
    let documents = (0..size).map(|n| {
        let commune = communes.pick(random.unit());
        let centre = commune.centroid.expect("communes were kept with a centre");
        let lat = centre.y() + (random.unit() - 0.5) * 2.0 * JITTER_DEGREES;
        let lon = centre.x() + (random.unit() - 0.5) * 2.0 * JITTER_DEGREES;
        SearchDocument {
            iri: format!("{BENCH_BASE}initiative/bench/{n}"),
            name: format!("Initiative {n} à {}", commune.name),
            other_texts: vec![commune.name.clone()],
            publics: vec![PUBLICS[n % PUBLICS.len()].to_owned()],
            sources: vec!["bench".to_owned()],
            territory_path: communes.path_of(commune),
            point: Some((lat.clamp(-90.0, 90.0), lon.clamp(-180.0, 180.0))),
            quality: random.unit(),
            ..SearchDocument::default()
        }
    });
    index.replace_all(documents)?;
    Ok(())
}

/// A directory of the system's temporary directory, removed with its content when dropped.
struct ScratchDir(std::path::PathBuf);

impl ScratchDir {
    fn new(size: usize) -> std::io::Result<Self> {
        let name = format!("ancrage-bench-map-{}-{size}", std::process::id());
        let path = std::env::temp_dir().join(name);
        std::fs::create_dir_all(&path)?;
        Ok(ScratchDir(path))
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A small deterministic generator (SplitMix64).
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut mixed = self.0;
        mixed = (mixed ^ (mixed >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        mixed = (mixed ^ (mixed >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        mixed ^ (mixed >> 31)
    }

    /// A number in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}
