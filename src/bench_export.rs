//! `ancrage bench export`: time and size of the exports of a search on a temporary on-disk
//! store of synthetic initiatives, read through the router as a client would download them.

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::Request;
use futures_util::StreamExt;
use tower::ServiceExt;

use crate::Config;
use crate::bench::{BENCH_BASE, NoValidation, ScratchDir, harvest_generated};
use crate::platform::Platform;
use crate::web::AppState;

/// The exports measured: label and query string (the same for every format).
const SEARCHES: [(&str, &str); 2] = [("every initiative", ""), ("one word", "q=solidaire")];
const FORMATS: [&str; 3] = ["csv", "geojson", "jsonld"];

/// Size of the export benchmark.
#[derive(Debug, clap::Args)]
pub struct ExportBenchArgs {
    /// Initiatives of the synthetic source harvested into the store.
    #[arg(long, default_value_t = 100_000)]
    pub initiatives: usize,
    /// Seed of the synthetic source.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

/// One measured download.
struct DownloadFigures {
    bytes: usize,
    chunks: usize,
    first_byte: Duration,
    whole: Duration,
    /// Resident memory of the process when the request was sent, and its most while reading.
    resident_before: u64,
    resident_peak: u64,
}

/// Builds the store, downloads each export once, and returns the Markdown table.
pub fn bench_export(args: &ExportBenchArgs) -> anyhow::Result<String> {
    let scratch = ScratchDir::new()?;
    let mut config = Config::new(
        scratch.path.join("data"),
        "127.0.0.1:0".parse()?,
        Some(BENCH_BASE),
    )?;
    config.sources_dir = scratch.path.join("no-sources");
    std::fs::create_dir_all(&config.sources_dir)?;
    let platform = Platform::open(config)?;
    platform.bootstrap_if_empty()?;
    let started = Instant::now();
    let data = scratch.path.join("export-bench.csv");
    harvest_generated(&platform, &NoValidation, &data, args.initiatives, args.seed)?;
    let indexed = platform.reindex()?;
    eprintln!(
        "{indexed} initiatives harvested and indexed in {:.0} s",
        started.elapsed().as_secs_f64()
    );

    let state = std::sync::Arc::new(AppState::new(std::sync::Arc::new(platform))?);
    let router = crate::web::router(state);
    let runtime = tokio::runtime::Runtime::new()?;
    let mut table = String::from(
        "| Search | Results | Format | First byte | Whole export | Rows/s | Size | Chunks | RSS before → peak |\n\
         |---|---|---|---|---|---|---|---|---|\n",
    );
    for (label, query) in SEARCHES {
        let results = runtime.block_on(count_results(&router, query))?;
        for format in FORMATS {
            let path = format!("/api/search/export.{format}?{query}");
            let figures = runtime.block_on(download(&router, &path))?;
            table.push_str(&format!(
                "| {label} | {results} | {format} | {:.0} ms | {:.1} s | {:.0} | {:.1} MB | {} | {} → {} MB |\n",
                figures.first_byte.as_secs_f64() * 1000.0,
                figures.whole.as_secs_f64(),
                results as f64 / figures.whole.as_secs_f64(),
                figures.bytes as f64 / 1e6,
                figures.chunks,
                figures.resident_before / 1_000_000,
                figures.resident_peak / 1_000_000,
            ));
        }
    }
    Ok(table)
}

async fn count_results(router: &axum::Router, query: &str) -> anyhow::Result<u64> {
    let request =
        Request::get(format!("/api/search?{query}&limit=0&facets=0")).body(Body::empty())?;
    let response = router.clone().oneshot(request).await?;
    let body = axum::body::to_bytes(response.into_body(), usize::MAX).await?;
    let answer: serde_json::Value = serde_json::from_slice(&body)?;
    Ok(answer["total"].as_u64().unwrap_or(0))
}

/// Reads the export chunk by chunk, keeping only the count of bytes.
async fn download(router: &axum::Router, path: &str) -> anyhow::Result<DownloadFigures> {
    let resident_before = resident_bytes();
    let started = Instant::now();
    let response = router
        .clone()
        .oneshot(Request::get(path).body(Body::empty())?)
        .await?;
    anyhow::ensure!(
        response.status().is_success(),
        "{path}: {}",
        response.status()
    );
    let mut stream = response.into_body().into_data_stream();
    let mut figures = DownloadFigures {
        bytes: 0,
        chunks: 0,
        first_byte: Duration::ZERO,
        whole: Duration::ZERO,
        resident_before,
        resident_peak: resident_before,
    };
    while let Some(chunk) = stream.next().await {
        if figures.chunks == 0 {
            figures.first_byte = started.elapsed();
        }
        figures.bytes += chunk?.len();
        figures.chunks += 1;
        figures.resident_peak = figures.resident_peak.max(resident_bytes());
    }
    figures.whole = started.elapsed();
    Ok(figures)
}

/// Resident memory of this process, from `/proc/self/status` (Linux; 0 elsewhere).
fn resident_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kilobytes = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|value| value.split_whitespace().next()?.parse::<u64>().ok());
    kilobytes.unwrap_or(0) * 1024
}
