//! The command line: `ancrage serve`, `ancrage harvest`, and the other tools.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand};

use crate::Config;
use crate::ingest::SourceDescriptor;
use crate::platform::{Platform, SourceHarvest};

/// ancrage: the knowledge graph of the social innovations of French territories.
#[derive(Debug, Parser)]
#[command(version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Options shared by the commands that open the store.
#[derive(Debug, clap::Args)]
pub struct StoreArgs {
    /// Directory of the store and of what the platform writes.
    #[arg(long, default_value = "./data")]
    pub data: PathBuf,
    /// Base IRI of the platform's resources (default: derived from the bind address).
    #[arg(long)]
    pub base: Option<String>,
    /// Address the server listens on (also used to derive the default base IRI).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
}

/// Options of the maps of `serve`.
#[derive(Debug, clap::Args)]
pub struct MapArgs {
    /// Tile server drawn under the maps, as a URL template with {z}, {x} and {y} (default: the
    /// environment variable ANCRAGE_TUILES, else none: the maps draw the bundled boundaries and
    /// load nothing from other hosts).
    #[arg(long)]
    pub tuiles: Option<String>,
    /// Attribution required by the tile server, shown on the maps (default: the environment
    /// variable ANCRAGE_TUILES_ATTRIBUTION).
    #[arg(long)]
    pub tuiles_attribution: Option<String>,
}

/// Options of the SPARQL endpoint of `serve`.
#[derive(Debug, clap::Args)]
pub struct SparqlArgs {
    /// A remote SPARQL endpoint that public queries may call with SERVICE, e.g.
    /// https://query.wikidata.org/sparql; repeat the option for several (default: the
    /// endpoints listed in the environment variable ANCRAGE_SERVICES, separated by spaces or
    /// commas, else none: every SERVICE to another host is refused).
    #[arg(long = "service-allow", value_name = "URL")]
    pub service_allow: Vec<String>,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the graph over HTTP; an empty data directory is bootstrapped first.
    Serve {
        /// Store options.
        #[command(flatten)]
        store: StoreArgs,
        /// Map options.
        #[command(flatten)]
        map: MapArgs,
        /// SPARQL options.
        #[command(flatten)]
        sparql: SparqlArgs,
    },
    /// Harvest sources into the store (default: every descriptor in `sources/`).
    Harvest {
        /// Store options.
        #[command(flatten)]
        store: StoreArgs,
        /// Descriptor files or directories of descriptors.
        sources: Vec<PathBuf>,
    },
    /// Validate RDF files, or the whole store, against SHACL shapes. Exits with 0 when the data
    /// conforms, 1 when it does not, 2 when an input cannot be read.
    Validate {
        /// Store options (the base IRI resolves the relative IRIs of the shapes).
        #[command(flatten)]
        store_args: StoreArgs,
        /// Shapes files (default: every file of the platform's `shapes/`).
        #[arg(long = "shapes")]
        shapes: Vec<PathBuf>,
        /// How to print the report.
        #[arg(long, value_enum, default_value = "turtle")]
        format: ReportFormat,
        /// Validate everything the store holds instead of files.
        #[arg(long)]
        store: bool,
        /// RDF files to validate (.ttl, .nt, .jsonld, .rdf).
        files: Vec<PathBuf>,
    },
    /// Rebuild the search index from the graph.
    Reindex {
        /// Store options.
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Write the gzipped N-Quads dumps of the public graphs into `{data}/dumps/` (works beside
    /// a running server, on the data as it was when the command started).
    Dump {
        /// Store options.
        #[command(flatten)]
        store: StoreArgs,
        /// Also copy the dump of the whole dataset to this file.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Load a dump (gzipped or plain N-Quads) into an empty store.
    Load {
        /// Store options.
        #[command(flatten)]
        store: StoreArgs,
        /// The dump.
        file: PathBuf,
    },
    /// Write a synthetic source (CSV and descriptor) of realistic initiatives in real communes.
    Generate(GenerateArgs),
    /// Manage the accounts of the collaborative space (with the server stopped).
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Measure on a temporary store and print the figures as a Markdown table.
    #[command(subcommand)]
    Bench(crate::bench::BenchCommand),
}

/// The `admin` commands.
#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create an account. The password is read from the first line of standard input with
    /// `--password-stdin`; otherwise one is generated and printed once.
    CreateUser {
        /// Store options.
        #[command(flatten)]
        store: StoreArgs,
        /// The account's e-mail address.
        #[arg(long)]
        email: String,
        /// contributor, moderator or admin.
        #[arg(long, default_value = "contributor")]
        role: String,
        /// The name shown with the account's revisions.
        #[arg(long)]
        name: Option<String>,
        /// Read the password from standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Change the role of an account.
    SetRole {
        /// Store options.
        #[command(flatten)]
        store: StoreArgs,
        /// The account's e-mail address.
        #[arg(long)]
        email: String,
        /// contributor, moderator or admin.
        #[arg(long)]
        role: String,
    },
    /// Make an account a partner that writes the graph `graphe/partenaire/{id}` through SPARQL
    /// Update and the Graph Store (the account is created when the address is new), and print
    /// a new API token once.
    CreatePartner {
        /// Store options.
        #[command(flatten)]
        store: StoreArgs,
        /// The partner's e-mail address.
        #[arg(long)]
        email: String,
        /// The partner's identifier, which names its graph (letters, digits and dashes).
        #[arg(long)]
        id: String,
        /// The name shown with the partner's revisions (for a new account).
        #[arg(long)]
        name: Option<String>,
        /// Days after which the token stops working (never by default).
        #[arg(long)]
        expires_days: Option<u32>,
    },
    /// Print a new API token for an existing partner, once.
    IssueToken {
        /// Store options.
        #[command(flatten)]
        store: StoreArgs,
        /// The partner's e-mail address.
        #[arg(long)]
        email: String,
        /// A note saying what the token is for.
        #[arg(long, default_value = "jeton partenaire")]
        label: String,
        /// Days after which the token stops working (never by default).
        #[arg(long)]
        expires_days: Option<u32>,
    },
}

/// Arguments of `ancrage generate`.
#[derive(Debug, clap::Args)]
pub struct GenerateArgs {
    /// Number of initiatives.
    #[arg(long)]
    pub initiatives: usize,
    /// The CSV file to write; the descriptor is written beside it with the `.toml` extension.
    #[arg(long)]
    pub out: PathBuf,
    /// Seed of the generator: the same seed gives the same files.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

/// Ways to print a validation report.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ReportFormat {
    /// A `sh:ValidationReport` in Turtle.
    Turtle,
    /// JSON, as the API returns it.
    Json,
    /// One line per fault.
    Text,
}

/// Runs a parsed command line and says how the process should exit.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve { store, map, sparql } => {
            serve(store, map, sparql).map(|()| ExitCode::SUCCESS)
        }
        Command::Harvest { store, sources } => harvest(store, &sources).map(|()| ExitCode::SUCCESS),
        Command::Validate {
            store_args,
            shapes,
            format,
            store,
            files,
        } => {
            crate::validate_cli::validate(&config_for(&store_args)?, &shapes, format, store, &files)
        }
        Command::Dump { store, out } => crate::dump_cli::dump(&store, out.as_deref()),
        Command::Load { store, file } => crate::dump_cli::load(&store, &file),
        Command::Generate(args) => generate(&args).map(|()| ExitCode::SUCCESS),
        Command::Admin(command) => crate::account_cli::run(&command),
        Command::Bench(command) => crate::bench::run(&command).map(|()| ExitCode::SUCCESS),
        Command::Reindex { store } => {
            let platform = Platform::open(config_for(&store)?)?;
            let started = std::time::Instant::now();
            let count = platform.reindex()?;
            eprintln!(
                "{count} initiatives indexed in {:.1} s",
                started.elapsed().as_secs_f64()
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn config_for(args: &StoreArgs) -> anyhow::Result<Config> {
    Ok(Config::new(
        args.data.clone(),
        args.bind,
        args.base.as_deref(),
    )?)
}

fn serve(args: StoreArgs, map: MapArgs, sparql: SparqlArgs) -> anyhow::Result<()> {
    let mut config = config_for(&args)?;
    let services = if sparql.service_allow.is_empty() {
        let listed = std::env::var("ANCRAGE_SERVICES").unwrap_or_default();
        listed
            .split([' ', ',', '\n', '\t'])
            .filter(|endpoint| !endpoint.is_empty())
            .map(str::to_owned)
            .collect()
    } else {
        sparql.service_allow
    };
    for endpoint in &services {
        config = config.with_allowed_service(endpoint)?;
    }
    if !services.is_empty() {
        tracing::info!(endpoints = ?services, "SERVICE calls allowed to remote endpoints");
    }
    let from_env = |name: &str| std::env::var(name).ok().filter(|value| !value.is_empty());
    config.map_tiles = map
        .tuiles
        .or_else(|| from_env("ANCRAGE_TUILES"))
        .map(|url| crate::config::TileServer {
            url,
            attribution: map
                .tuiles_attribution
                .or_else(|| from_env("ANCRAGE_TUILES_ATTRIBUTION"))
                .unwrap_or_default(),
        });
    let platform = Arc::new(Platform::open(config.clone()).context("cannot open the store")?);
    if let Some((report, harvests)) = platform.bootstrap_if_empty()? {
        print_bootstrap(&report, &harvests);
    }
    platform.reindex_if_empty()?;
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(crate::web::serve(platform))
}

fn harvest(args: StoreArgs, sources: &[PathBuf]) -> anyhow::Result<()> {
    let config = config_for(&args)?;
    let descriptors = if sources.is_empty() {
        SourceDescriptor::from_directory(&config.sources_dir)?
    } else {
        let mut descriptors = Vec::new();
        for path in sources {
            if path.is_dir() {
                descriptors.extend(SourceDescriptor::from_directory(path)?);
            } else {
                descriptors.push(SourceDescriptor::from_file(path)?);
            }
        }
        descriptors
    };
    let platform = match Platform::open(config.clone()) {
        Ok(platform) => platform,
        Err(error) => return harvest_through_server(&config, &descriptors).context(error),
    };
    platform.bootstrap_if_empty()?;
    let harvests = platform.harvest(&descriptors)?;
    print_harvests(&harvests);
    if harvests.iter().any(|harvest| harvest.outcome.is_err()) {
        anyhow::bail!("some sources could not be harvested");
    }
    Ok(())
}

/// When `serve` holds the store, asks it to harvest, with the token it wrote at start-up.
fn harvest_through_server(config: &Config, descriptors: &[SourceDescriptor]) -> anyhow::Result<()> {
    let read = |name: &str| std::fs::read_to_string(config.data_dir.join(name));
    let (Ok(token), Ok(address)) = (
        read(crate::platform::ADMIN_TOKEN_FILE),
        read(crate::platform::SERVER_ADDRESS_FILE),
    ) else {
        anyhow::bail!("the store is in use and no running server answers for it");
    };
    eprintln!("The store is used by the server at {address}: harvesting through it.");
    let paths: Vec<std::path::PathBuf> = descriptors
        .iter()
        .map(|descriptor| {
            std::fs::canonicalize(&descriptor.path).unwrap_or(descriptor.path.clone())
        })
        .collect();
    let body = serde_json::json!({ "descriptors": paths }).to_string();
    let answer = ureq::post(&format!("{address}/admin/moisson"))
        .header("Authorization", &format!("Bearer {}", token.trim()))
        .header("Content-Type", "application/json")
        .send(body.as_bytes())?
        .body_mut()
        .read_to_string()?;
    println!("{answer}");
    Ok(())
}

fn generate(args: &GenerateArgs) -> anyhow::Result<()> {
    let territories =
        crate::territory::Territories::load(&crate::config::default_home().join("territories"))?;
    let generated =
        crate::generate::generate_source(&territories, args.initiatives, args.seed, &args.out)?;
    eprintln!(
        "{} initiatives written to {}, descriptor {}",
        generated.rows,
        generated.data.display(),
        generated.descriptor.display()
    );
    Ok(())
}

fn print_bootstrap(report: &crate::bootstrap::BootstrapReport, harvests: &[SourceHarvest]) {
    eprintln!("Graphe initialisé en {:.1} s :", report.seconds);
    for (kind, count) in &report.territories {
        eprintln!("  {:<28} {count:>6}", kind.label_fr());
    }
    print_harvests(harvests);
}

fn print_harvests(harvests: &[SourceHarvest]) {
    for harvest in harvests {
        match &harvest.outcome {
            Ok(outcome) => {
                let counts = &outcome.counts;
                eprintln!(
                    "  source {:<32} lus {:>6}  acceptés {:>6}  rejetés {:>5}  nouveaux {:>6}  modifiés {:>5}  inchangés {:>6}  disparus {:>5}  ({:.1} s)",
                    outcome.source_id,
                    counts.read,
                    counts.accepted,
                    counts.rejected,
                    counts.new,
                    counts.changed,
                    counts.unchanged,
                    counts.gone,
                    outcome.seconds
                );
            }
            Err(error) => eprintln!("  source {:<32} ÉCHEC : {error}", harvest.source_id),
        }
    }
}
