//! Integration tests of the search module, through its public API only.

mod analysis;
pub mod common;
mod facets;
mod filters;
mod paging;
mod ranking;
mod suggest;
mod writes;
