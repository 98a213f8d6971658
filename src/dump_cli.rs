//! `ancrage dump` and `ancrage load`: the public graphs to gzipped N-Quads files, and a dump
//! back into an empty store.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;

use crate::Config;
use crate::cli::StoreArgs;
use crate::opendata::{DumpDirectory, DumpScope, WHOLE_DUMP};
use crate::store::Store;

/// Writes every dump again, and copies the whole one to `out` when asked. When a running
/// server holds the store, the dumps it keeps up to date after each harvest are used instead:
/// opening a store beside the process that writes it is not safe.
pub fn dump(args: &StoreArgs, out: Option<&Path>) -> anyhow::Result<ExitCode> {
    let config = Config::for_data_dir(args.data.clone(), args.bind, args.base.as_deref())?;
    let directory = DumpDirectory::new(&config.data_dir);
    let store = match Store::open(&config.store_dir()) {
        Ok(store) => store,
        Err(error) => return copy_served_dump(&directory, out).context(error),
    };
    let started = Instant::now();
    let manifest = directory.refresh(&store, &config.minter, DumpScope::Everything)?;
    if let Some(out) = out {
        std::fs::copy(directory.path_of(WHOLE_DUMP), out)
            .with_context(|| format!("cannot write {}", out.display()))?;
    }
    eprintln!(
        "{} quads of {} graphs, {} bytes, written to {} in {:.1} s",
        manifest.whole.quads,
        manifest.graphs.len(),
        manifest.whole.bytes,
        out.unwrap_or(directory.root()).display(),
        started.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

/// The store is in use: copies the dump the server wrote after its last harvest.
fn copy_served_dump(directory: &DumpDirectory, out: Option<&Path>) -> anyhow::Result<ExitCode> {
    let whole = directory.path_of(WHOLE_DUMP);
    if !whole.exists() {
        anyhow::bail!(
            "the store is in use and no dump was written yet: download /donnees/ancrage.nq.gz \
             from the running server"
        );
    }
    eprintln!(
        "The store is in use by the server: its latest dump is {}.",
        whole.display()
    );
    if let Some(out) = out {
        std::fs::copy(&whole, out).with_context(|| format!("cannot write {}", out.display()))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Loads a dump into the empty store of a data directory, records the base IRI its IRIs use,
/// and writes the dumps of the loaded store.
pub fn load(args: &StoreArgs, file: &Path) -> anyhow::Result<ExitCode> {
    let config = Config::for_data_dir(args.data.clone(), args.bind, args.base.as_deref())?;
    let reader = open_dump(file).with_context(|| format!("cannot read {}", file.display()))?;
    let store = Store::open(&config.store_dir())?;
    let started = Instant::now();
    let quads = store.load_nquads_into_empty(reader)?;

    let base = base_of_graphs(&store)?.unwrap_or_else(|| config.minter.base().to_owned());
    let config = Config::new(config.data_dir.clone(), args.bind, Some(&base))?;
    config.record_base_iri()?;
    DumpDirectory::new(&config.data_dir).refresh(&store, &config.minter, DumpScope::Everything)?;
    eprintln!(
        "{quads} quads loaded in {:.1} s; their IRIs start with {base}: serve with --base {base}",
        started.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

/// A reader of the dump's N-Quads, through gzip when the file starts with gzip's magic bytes.
fn open_dump(path: &Path) -> std::io::Result<Box<dyn Read>> {
    let mut reader = BufReader::new(File::open(path)?);
    let is_gzip = reader.fill_buf()?.starts_with(&[0x1f, 0x8b]);
    Ok(if is_gzip {
        Box::new(BufReader::new(flate2::bufread::MultiGzDecoder::new(reader)))
    } else {
        Box::new(reader)
    })
}

/// The base IRI of the platform that wrote the graphs: what precedes `graphe/` in their names.
fn base_of_graphs(store: &Store) -> anyhow::Result<Option<String>> {
    Ok(store.graph_names()?.iter().find_map(|graph| {
        let position = graph.as_str().find("/graphe/")?;
        Some(graph.as_str()[..=position].to_owned())
    }))
}
