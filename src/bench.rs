//! `ancrage bench`: measurements on a temporary store built from synthetic sources, printed as
//! Markdown tables to paste into BENCHMARKS.md.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use oxigraph::model::{NamedNode, Quad};

use crate::Config;
use crate::generate::generate_source;
use crate::ingest::{
    Gazetteer, HarvestContext, HarvestOutcome, RecordCheck, RecordValidator, SourceDescriptor,
    harvest_source,
};
use crate::platform::Platform;

/// Base IRI of the temporary store.
pub(crate) const BENCH_BASE: &str = "http://bench.ancrage.test/";

/// What to measure.
#[derive(Debug, clap::Subcommand)]
pub enum BenchCommand {
    /// SHACL validation: records validated per second during a harvest, and the time to
    /// validate a whole store.
    Validation(ValidationBenchArgs),
    /// Running the platform: cold bootstrap, warm start, store size, memory, SPARQL latency.
    Serve(crate::bench_serve::ServeBenchArgs),
    /// Harvesting: rows per second per source and for a synthetic source, against the bulk
    /// loader's ceiling.
    Harvest(crate::bench_harvest::HarvestBenchArgs),
    /// The map endpoint: server time and payload for views of France and of a département on
    /// indexes of synthetic initiatives.
    Map(crate::bench_map::MapBenchArgs),
    /// Exports of a search (CSV, GeoJSON, JSON-LD): time to the first byte and to the last,
    /// and size, on a store of synthetic initiatives.
    Export(crate::bench_export::ExportBenchArgs),
    /// A server process under a loop of hostile and normal requests: its resident memory and
    /// threads before, at the peak and after, which must come back to their level.
    Soak(crate::bench_soak::SoakBenchArgs),
}

/// Sizes of the validation benchmark.
#[derive(Debug, clap::Args)]
pub struct ValidationBenchArgs {
    /// Rows of the synthetic source harvested with validation.
    #[arg(long, default_value_t = 20_000)]
    pub harvest_rows: usize,
    /// Initiatives in the store when it is validated as a whole (the harvested ones included).
    #[arg(long, default_value_t = 100_000)]
    pub store_initiatives: usize,
    /// Seed of the synthetic sources.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

/// Runs one benchmark and prints its table on stdout.
pub fn run(command: &BenchCommand) -> anyhow::Result<()> {
    match command {
        BenchCommand::Validation(args) => {
            let table = bench_validation(args)?;
            println!("{table}");
            Ok(())
        }
        BenchCommand::Serve(args) => {
            println!("{}", crate::bench_serve::bench_serve(args)?);
            Ok(())
        }
        BenchCommand::Harvest(args) => {
            println!("{}", crate::bench_harvest::bench_harvest(args, BENCH_BASE)?);
            Ok(())
        }
        BenchCommand::Map(args) => {
            println!("{}", crate::bench_map::bench_map(args)?);
            Ok(())
        }
        BenchCommand::Export(args) => {
            println!("{}", crate::bench_export::bench_export(args)?);
            Ok(())
        }
        BenchCommand::Soak(args) => {
            println!("{}", crate::bench_soak::bench_soak(args)?);
            Ok(())
        }
    }
}

/// Times the validation calls of a harvest (a) and the validation of a whole store (b).
fn bench_validation(args: &ValidationBenchArgs) -> anyhow::Result<String> {
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
    let validator = platform.validator()?;

    let harvested = scratch.path.join("moisson-bench.csv");
    let timed = TimedValidator::new(validator.as_ref());
    let harvest = harvest_generated(&platform, &timed, &harvested, args.harvest_rows, args.seed)?;

    let filler_rows = args.store_initiatives.saturating_sub(args.harvest_rows);
    if filler_rows > 0 {
        let filler = scratch.path.join("remplissage-bench.csv");
        harvest_generated(
            &platform,
            &NoValidation,
            &filler,
            filler_rows,
            args.seed + 1,
        )?;
    }
    let quads = platform.store.len()?;
    let clock = Instant::now();
    let report = validator.report_on_store();
    let store_seconds = clock.elapsed().as_secs_f64();

    let validation_seconds = timed.elapsed().as_secs_f64();
    let calls = timed.calls();
    Ok(format!(
        "| Measure | Value |\n|---|---|\n\
         | (a) rows harvested (accepted / rejected) | {} ({} / {}) |\n\
         | (a) whole harvest | {:.1} s, {:.0} records/s |\n\
         | (a) validation calls | {calls} in {validation_seconds:.1} s, {:.0} records/s ({:.0} % of the harvest) |\n\
         | (b) initiatives in the store | {} ({quads} quads) |\n\
         | (b) `report_on_store` | {store_seconds:.1} s, {} results |",
        harvest.counts.read,
        harvest.counts.accepted,
        harvest.counts.rejected,
        harvest.seconds,
        harvest.counts.read as f64 / harvest.seconds,
        calls as f64 / validation_seconds,
        100.0 * validation_seconds / harvest.seconds,
        args.harvest_rows + filler_rows,
        report.results.len(),
    ))
}

/// Writes a synthetic source of `rows` initiatives at `data` and harvests it with `validator`.
pub(crate) fn harvest_generated(
    platform: &Platform,
    validator: &dyn RecordValidator,
    data: &Path,
    rows: usize,
    seed: u64,
) -> anyhow::Result<HarvestOutcome> {
    let territories = platform.territories()?;
    let generated = generate_source(&territories, rows, seed, data)?;
    let descriptor = SourceDescriptor::from_file(&generated.descriptor)?;
    let config = &platform.config;
    let outlines = config.home_path("territories/geo/communes-simplifiees.geojson.gz");
    let gazetteer = Gazetteer::new(territories, Some(&outlines));
    let concepts = platform.concepts()?;
    let context = HarvestContext {
        store: &platform.store,
        minter: &config.minter,
        gazetteer: &gazetteer,
        concepts: &concepts,
        validator,
    };
    harvest_source(&context, &descriptor).with_context(|| format!("harvest of {}", data.display()))
}

/// A validator that times the calls of another.
struct TimedValidator<'a> {
    inner: &'a dyn RecordValidator,
    nanos: AtomicU64,
    calls: AtomicUsize,
}

impl<'a> TimedValidator<'a> {
    fn new(inner: &'a dyn RecordValidator) -> Self {
        Self {
            inner,
            nanos: AtomicU64::new(0),
            calls: AtomicUsize::new(0),
        }
    }

    fn elapsed(&self) -> Duration {
        Duration::from_nanos(self.nanos.load(Ordering::Relaxed))
    }

    fn calls(&self) -> usize {
        self.calls.load(Ordering::Relaxed)
    }
}

impl RecordValidator for TimedValidator<'_> {
    fn check(&self, focus: &NamedNode, quads: &[Quad]) -> RecordCheck {
        let clock = Instant::now();
        let check = self.inner.check(focus, quads);
        let nanos = u64::try_from(clock.elapsed().as_nanos()).unwrap_or(u64::MAX);
        self.nanos.fetch_add(nanos, Ordering::Relaxed);
        self.calls.fetch_add(1, Ordering::Relaxed);
        check
    }
}

/// Accepts everything: fills the store quickly for the whole-store measure.
pub(crate) struct NoValidation;

impl RecordValidator for NoValidation {
    fn check(&self, _focus: &NamedNode, _quads: &[Quad]) -> RecordCheck {
        RecordCheck::default()
    }
}

/// A directory removed when dropped.
pub(crate) struct ScratchDir {
    pub(crate) path: PathBuf,
}

impl ScratchDir {
    pub(crate) fn new() -> std::io::Result<Self> {
        let path = std::env::temp_dir().join(format!("ancrage-bench-{}", std::process::id()));
        std::fs::create_dir_all(&path)?;
        Ok(Self { path })
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}
