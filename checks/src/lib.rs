//! Which module of a crate names which, read from its source text, so that
//! a test can fail when two files, or two top-level modules, import each
//! other (issue 25). A cycle is where a layout stops telling a reader what
//! depends on what: the shared piece belongs in the module both use.
//!
//! No compiler is involved: [`source`] blanks comments and literals and cuts
//! the rest into tokens, [`crate_graph`] finds every `crate::`, `super::`,
//! `self::` and child-module path (in `use` trees and in expressions) and
//! resolves it to the file that defines the module it names. An edge between
//! a file and one of its own ancestors (`mod.rs` re-exporting its children,
//! a child reaching `super::`) is the module tree itself and is not counted.

pub mod graph;
pub mod source;

pub use graph::{crate_graph, CrateGraph, Edge};
