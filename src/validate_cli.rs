//! `ancrage validate`: SHACL validation of files or of the whole store, from the command line.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use oxigraph::io::{JsonLdProfileSet, RdfFormat, RdfParser};
use oxigraph::model::{GraphName, Quad};

use crate::Config;
use crate::cli::ReportFormat;
use crate::platform::Platform;
use crate::shapes::engine::{ShapesGraph, ValidationReport};
use crate::shapes::{ReportView, ShapeValidator, read_shapes_graph};
use crate::store::Store;

/// Exit status when an input cannot be read.
const UNREADABLE: u8 = 2;

/// Validates `files` (or the store) and prints the report; the exit code says the outcome.
pub fn validate(
    config: &Config,
    shapes_files: &[PathBuf],
    format: ReportFormat,
    whole_store: bool,
    files: &[PathBuf],
) -> anyhow::Result<ExitCode> {
    let shapes = match load_shapes(config, shapes_files) {
        Ok(shapes) => shapes,
        Err(error) => return Ok(unreadable(&error)),
    };
    if whole_store {
        return validate_store(config, shapes, format);
    }
    if files.is_empty() {
        return Ok(unreadable(&anyhow::anyhow!(
            "give RDF files to validate, or --store"
        )));
    }
    let mut quads = Vec::new();
    for file in files {
        match read_rdf_file(file, config.minter.base()) {
            Ok(read) => quads.extend(read),
            Err(error) => return Ok(unreadable(&error)),
        }
    }
    let reference = Store::in_memory()?;
    let platform = Platform::with_store(config.clone(), reference.clone());
    crate::bootstrap::load_reference_data(&reference, config, &*platform.territories()?)?;
    let report = ShapeValidator::with_shapes(shapes, reference).report(&quads);
    print_report(&report, format)?;
    Ok(if report.conforms {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn validate_store(
    config: &Config,
    shapes: ShapesGraph,
    format: ReportFormat,
) -> anyhow::Result<ExitCode> {
    let platform = Platform::open(config.clone())?;
    let report = ShapeValidator::with_shapes(shapes, platform.store.clone()).report_on_store();
    let view = ReportView::from_report(&report, "fr");
    let mut by_shape: BTreeMap<(String, String), usize> = BTreeMap::new();
    for result in &view.results {
        let source = source_of(&result.focus_node, config.minter.base());
        *by_shape
            .entry((source, result.source_shape.clone()))
            .or_default() += 1;
    }
    if matches!(format, ReportFormat::Json) {
        println!("{}", serde_json::to_string_pretty(&view)?);
    } else {
        for ((source, shape), count) in &by_shape {
            println!("{count:>8}  {source:<36} {shape}");
        }
        println!(
            "{} violation(s), {} warning(s), {} info(s)",
            view.violations, view.warnings, view.infos
        );
    }
    Ok(if report.conforms {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The source an initiative or record belongs to, from its IRI; `-` for other resources.
fn source_of(iri: &str, base: &str) -> String {
    let relative = iri.strip_prefix(base).unwrap_or(iri);
    let mut parts = relative.split('/');
    match (parts.next(), parts.next()) {
        (Some("initiative" | "source"), Some(source)) => source.to_owned(),
        _ => "-".to_owned(),
    }
}

fn load_shapes(config: &Config, files: &[PathBuf]) -> anyhow::Result<ShapesGraph> {
    let graph = if files.is_empty() {
        read_shapes_graph(&config.home_path("shapes"), config.minter.base())?
    } else {
        let mut graph = oxigraph::model::Graph::new();
        for file in files {
            for quad in read_rdf_file(file, config.minter.base())? {
                graph.insert(&oxigraph::model::Triple::from(quad));
            }
        }
        graph
    };
    Ok(ShapesGraph::from_graph(&graph)?)
}

/// Parses an RDF file in the syntax its extension names.
fn read_rdf_file(path: &Path, base_iri: &str) -> anyhow::Result<Vec<Quad>> {
    let format = match path.extension().and_then(|extension| extension.to_str()) {
        Some("ttl") => RdfFormat::Turtle,
        Some("nt") => RdfFormat::NTriples,
        Some("nq") => RdfFormat::NQuads,
        Some("jsonld" | "json") => RdfFormat::JsonLd {
            profile: JsonLdProfileSet::empty(),
        },
        Some("rdf" | "xml" | "owl") => RdfFormat::RdfXml,
        _ => anyhow::bail!(
            "{}: unknown RDF syntax (use .ttl, .nt, .nq, .jsonld or .rdf)",
            path.display()
        ),
    };
    let bytes =
        std::fs::read(path).map_err(|error| anyhow::anyhow!("{}: {error}", path.display()))?;
    let parser = RdfParser::from_format(format).with_base_iri(base_iri)?;
    parser
        .for_slice(&bytes)
        .map(|quad| {
            let quad = quad.map_err(|error| anyhow::anyhow!("{}: {error}", path.display()))?;
            Ok(Quad::new(
                quad.subject,
                quad.predicate,
                quad.object,
                GraphName::DefaultGraph,
            ))
        })
        .collect()
}

fn print_report(report: &ValidationReport, format: ReportFormat) -> anyhow::Result<()> {
    match format {
        ReportFormat::Turtle => {
            let bytes = Store::serialize_triples(
                report.to_graph().iter().map(|triple| triple.into_owned()),
                crate::store::GraphFormat::Turtle,
                None,
            )?;
            print!("{}", String::from_utf8_lossy(&bytes));
        }
        ReportFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&ReportView::from_report(report, "fr"))?
        ),
        ReportFormat::Text => print!("{}", ReportView::from_report(report, "fr").to_text()),
    }
    Ok(())
}

fn unreadable(error: &anyhow::Error) -> ExitCode {
    eprintln!("error: {error:#}");
    ExitCode::from(UNREADABLE)
}
