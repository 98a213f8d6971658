//! Integration tests of ancrage: one binary, one module per feature, sharing one test site.

mod atomicity;
mod common;
mod harvest;
mod linked_data;
mod shacl_w3c;
mod site;
mod sparql_protocol;
