//! Integration tests of ancrage: one binary, one module per feature.

mod shacl_w3c;
