//! Checks on the repository itself, run by the test suite. This library
//! reads which module of a crate names which, from its source text, so that
//! `tests/crates.rs` fails when two files, or two top-level modules, of
//! either service import each other (issue 25); `tests/docs.rs` keeps the
//! README a front door and every link of `docs/` alive. A cycle is where a layout stops telling a reader what
//! depends on what: the shared piece belongs in the module both use.
//!
//! No compiler is involved: [`source`] drops comments and literals and cuts
//! the rest into tokens, [`crate_graph`] finds every `crate::`, `super::`,
//! `self::` and child-module path (in `use` trees and in expressions) and
//! resolves it to the file that defines the module it names. An edge between
//! a file and one of its own ancestors (`mod.rs` re-exporting its children,
//! a child reaching `super::`) is the module tree itself and is not counted.

mod cycles;
pub mod graph;
mod paths;
pub mod source;

pub use graph::{crate_graph, CrateGraph, Edge};
