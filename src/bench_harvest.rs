//! `ancrage bench harvest`: rows per second from a source file to a validated, indexed graph,
//! for each source and a large synthetic one, with the raw bulk load of the same quads as the
//! ceiling.

use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::Config;
use crate::generate::generate_source;
use crate::ingest::SourceDescriptor;
use crate::iri::GraphKind;
use crate::platform::Platform;
use crate::store::Store;

/// Sizes of the harvest benchmark.
#[derive(Debug, clap::Args)]
pub struct HarvestBenchArgs {
    /// Rows of the synthetic CSV source.
    #[arg(long, default_value_t = 100_000)]
    pub rows: usize,
    /// Source descriptors to measure besides the synthetic one (files or directories).
    #[arg(long = "source")]
    pub sources: Vec<PathBuf>,
}

/// One measured harvest.
struct Measure {
    source: String,
    rows: usize,
    accepted: usize,
    harvest_seconds: f64,
    index_seconds: f64,
    dump_seconds: f64,
    quads: usize,
    bulk_seconds: f64,
}

/// Harvests each source into a fresh store holding the reference data, then loads the quads
/// it produced into an empty store with the bulk loader.
pub fn bench_harvest(args: &HarvestBenchArgs, base: &str) -> anyhow::Result<String> {
    let scratch = tempfile_dir()?;
    let mut descriptors = Vec::new();
    for path in &args.sources {
        if path.is_dir() {
            descriptors.extend(SourceDescriptor::from_directory(path)?);
        } else {
            descriptors.push(SourceDescriptor::from_file(path)?);
        }
    }
    let territories =
        crate::territory::Territories::load(&crate::config::default_home().join("territories"))?;
    let synthetic = generate_source(&territories, args.rows, 1, &scratch.join("synthetique.csv"))?;
    descriptors.push(SourceDescriptor::from_file(&synthetic.descriptor)?);

    let mut measures = Vec::new();
    for (index, descriptor) in descriptors.iter().enumerate() {
        let platform = reference_platform(&scratch.join(format!("store-{index}")), base)?;
        measures.push(measure(
            &platform,
            descriptor,
            &scratch.join(format!("bulk-{index}")),
        )?);
    }
    let _ = std::fs::remove_dir_all(&scratch);
    Ok(table(&measures))
}

fn measure(
    platform: &Platform,
    descriptor: &SourceDescriptor,
    bulk_dir: &Path,
) -> anyhow::Result<Measure> {
    let clock = Instant::now();
    let harvests = platform.harvest_into_graph(std::slice::from_ref(descriptor))?;
    let total_seconds = clock.elapsed().as_secs_f64();
    let clock = Instant::now();
    platform.refresh_dumps_after(&harvests)?;
    let dump_seconds = clock.elapsed().as_secs_f64();
    let outcome = harvests
        .into_iter()
        .next()
        .map(|harvest| harvest.outcome)
        .transpose()?;
    let outcome = outcome.ok_or_else(|| anyhow::anyhow!("no harvest outcome"))?;

    let graph = platform
        .config
        .minter
        .graph(&GraphKind::Source(descriptor.id.clone()));
    let quads = platform.store.graph_quads(graph.as_ref())?;
    let count = quads.len();
    let bulk_store = Store::open(bulk_dir)?;
    let clock = Instant::now();
    bulk_store.bulk_load(quads, |_| ())?;
    let bulk_seconds = clock.elapsed().as_secs_f64();

    Ok(Measure {
        source: descriptor.id.clone(),
        rows: outcome.counts.read,
        accepted: outcome.counts.accepted,
        harvest_seconds: outcome.seconds,
        index_seconds: total_seconds - outcome.seconds,
        dump_seconds,
        quads: count,
        bulk_seconds,
    })
}

fn reference_platform(data_dir: &Path, base: &str) -> anyhow::Result<Platform> {
    let mut config = Config::new(data_dir.to_path_buf(), "127.0.0.1:0".parse()?, Some(base))?;
    config.sources_dir = data_dir.join("no-sources");
    std::fs::create_dir_all(&config.sources_dir)?;
    let platform = Platform::open(config)?;
    platform.bootstrap_if_empty()?;
    Ok(platform)
}

fn table(measures: &[Measure]) -> String {
    let mut table = String::from(
        "| Source | Rows | Accepted | Harvest (read, map, place, validate, write) | Index, links | Rows/s to the indexed graph | Dumps after | Quads | Bulk load of the same quads | Quads/s bulk |\n\
         |---|---|---|---|---|---|---|---|---|---|\n",
    );
    for measure in measures {
        let total = measure.harvest_seconds + measure.index_seconds;
        table.push_str(&format!(
            "| {} | {} | {} | {:.2} s | {:.2} s | {:.0} | {:.2} s | {} | {:.2} s | {:.0} |\n",
            measure.source,
            measure.rows,
            measure.accepted,
            measure.harvest_seconds,
            measure.index_seconds,
            measure.rows as f64 / total,
            measure.dump_seconds,
            measure.quads,
            measure.bulk_seconds,
            measure.quads as f64 / measure.bulk_seconds,
        ));
    }
    table
}

fn tempfile_dir() -> std::io::Result<PathBuf> {
    let path = std::env::temp_dir().join(format!("ancrage-bench-harvest-{}", std::process::id()));
    std::fs::create_dir_all(&path)?;
    Ok(path)
}
