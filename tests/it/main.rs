//! Integration tests of ancrage: one binary, one module per feature, sharing one test site.

mod atomicity;
mod browser;
mod chrome;
mod collaboration;
mod collaboration_browser;
mod common;
mod community;
mod export;
mod federation;
mod fuzz_regressions;
mod harvest;
mod hostile;
mod linked_data;
mod map;
mod open_data;
mod privacy;
mod search;
mod search_site;
mod shacl_w3c;
mod shapes;
mod site;
mod sparql_protocol;
