//! The check in CI: no two files of core-service or rest-gateway import each
//! other, and their top-level modules form layers with no cycle. In
//! core-service the layers have a declared order (the `lib.rs` tour), and a
//! module never names one above it: rules define the traits they need and
//! adapters implement them, never the reverse.

use std::path::{Path, PathBuf};

use flexiapi_checks::{crate_graph, CrateGraph, Edge};

/// core-service's top-level modules, lowest first.
const CORE_LAYERS: &[&str] = &[
    "error", "domain", "rules", "adapters", "grpc", "import", "app", "testing", "fuzzing",
];

fn read(krate: &str) -> CrateGraph {
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(krate)
        .join("src");
    match crate_graph(&src) {
        Ok(graph) => graph,
        Err(error) => unreachable!("cannot read {}: {error}", src.display()),
    }
}

fn listed(cycles: &[Vec<Edge>]) -> String {
    let lines: Vec<String> = cycles
        .iter()
        .map(|edges| {
            edges
                .iter()
                .map(Edge::to_string)
                .collect::<Vec<_>>()
                .join("\n  ")
        })
        .collect();
    lines.join("\n\n  ")
}

fn assert_no_cycles(krate: &str) -> CrateGraph {
    let graph = read(krate);
    let files = graph.file_cycles();
    assert!(
        files.is_empty(),
        "{krate}: files that import each other:\n  {}",
        listed(&files)
    );
    let modules = graph.module_cycles();
    assert!(
        modules.is_empty(),
        "{krate}: top-level modules in a cycle:\n  {}",
        listed(&modules)
    );
    graph
}

#[test]
fn core_service_has_no_import_cycle() {
    assert_no_cycles("core-service");
}

#[test]
fn rest_gateway_has_no_import_cycle() {
    assert_no_cycles("rest-gateway");
}

#[test]
fn core_service_layers_only_name_lower_ones() {
    let graph = read("core-service");
    let rank = |file: &PathBuf| {
        let module = graph.top_level(file)?;
        let rank = CORE_LAYERS.iter().position(|l| *l == module);
        assert!(rank.is_some(), "core-service: top-level module `{module}` is in no layer: add it to CORE_LAYERS and the lib.rs tour");
        rank
    };
    let upward: Vec<String> = graph
        .file_edges()
        .iter()
        .filter(|e| matches!((rank(&e.from), rank(&e.to)), (Some(from), Some(to)) if from < to))
        .map(Edge::to_string)
        .collect();
    assert!(
        upward.is_empty(),
        "core-service: a lower layer names a higher one:\n  {}",
        upward.join("\n  ")
    );
}
