//! ancrage: a linked-data platform that finds, links and shows the social innovations of French
//! territories. See ARCHITECTURE.md for the map of the code.

pub mod account;
pub mod account_cli;
pub mod bench;
pub mod bench_export;
pub mod bench_harvest;
pub mod bench_map;
pub mod bench_serve;
pub mod bench_soak;
pub mod bootstrap;
pub mod cli;
pub mod community;
pub mod config;
pub mod contribution;
pub mod dump_cli;
pub mod export;
pub mod feed;
pub mod generate;
pub mod history;
pub mod ingest;
pub mod iri;
pub mod limits;
pub mod opendata;
pub mod partner;
pub mod platform;
pub mod progress;
pub mod rdf;
pub mod search;
pub mod search_feed;
pub mod search_sparql;
pub mod shapes;
pub mod store;
pub mod territory;
pub mod text;
pub mod validate_cli;
pub mod vocab;
pub mod web;

pub use config::Config;
pub use web::{AppState, router};
