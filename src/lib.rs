//! ancrage: a linked-data platform that finds, links and shows the social innovations of French
//! territories. See ARCHITECTURE.md for the map of the code.

pub mod bench;
pub mod bootstrap;
pub mod cli;
pub mod config;
pub mod dump_cli;
pub mod generate;
pub mod ingest;
pub mod iri;
pub mod limits;
pub mod opendata;
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
