use std::{fs, path::PathBuf};

use super::*;

/// A crate written to a fresh folder: (path under src/, text) pairs.
fn write_crate(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let src = std::env::temp_dir()
        .join(format!("layering-{name}-{}", std::process::id()))
        .join("src");
    let _ = fs::remove_dir_all(&src);
    for (path, text) in files {
        let file = src.join(path);
        fs::create_dir_all(file.parent().unwrap_or(&src)).ok();
        fs::write(file, text).ok();
    }
    src
}

fn pairs(edges: &[Edge]) -> Vec<(String, String)> {
    edges
        .iter()
        .map(|e| (e.from.display().to_string(), e.to.display().to_string()))
        .collect()
}

#[test]
fn two_files_that_import_each_other_are_a_cycle() {
    let src = write_crate(
        "pair",
        &[
            ("lib.rs", "pub mod a;\npub mod b;\n"),
            ("a.rs", "use crate::b::Thing;\npub fn f() {}\n"),
            ("b.rs", "pub struct Thing;\nfn g() { crate::a::f() }\n"),
        ],
    );
    let graph = crate_graph(&src).unwrap_or_default();
    let cycles = graph.file_cycles();
    assert_eq!(cycles.len(), 1);
    assert_eq!(
        pairs(&cycles[0]),
        [
            ("a.rs".into(), "b.rs".into()),
            ("b.rs".into(), "a.rs".into())
        ]
    );
    assert_eq!(cycles[0][1].line, 2);
    assert_eq!(graph.module_cycles().len(), 1);
}

#[test]
fn a_module_and_its_children_are_not_a_cycle() {
    let src = write_crate(
        "tree",
        &[
            ("lib.rs", "pub mod x;\n"),
            ("x/mod.rs", "mod child;\npub use child::Y;\npub struct Z;\n"),
            ("x/child.rs", "use super::Z;\npub struct Y;\n#[cfg(test)]\n#[path = \"child_tests.rs\"]\nmod tests;\n"),
            ("x/child_tests.rs", "use super::*;\nuse crate::x::Z;\n"),
        ],
    );
    let graph = crate_graph(&src).unwrap_or_default();
    assert_eq!(graph.file_edges(), []);
    assert_eq!(graph.top_level(Path::new("x/child_tests.rs")), Some("x"));
}

#[test]
fn top_level_modules_can_cycle_through_different_files() {
    let src = write_crate(
        "layers",
        &[
            ("lib.rs", "pub mod a;\npub mod b;\n"),
            ("a/mod.rs", "pub mod one;\npub mod two;\n"),
            ("a/one.rs", "use crate::b::low::L;\n"),
            ("a/two.rs", "pub struct T;\n"),
            ("b/mod.rs", "pub mod low;\npub mod high;\n"),
            ("b/low.rs", "pub struct L;\n"),
            (
                "b/high.rs",
                "// crate::a::one names nothing here\nfn f(_: crate::a::two::T) {}\n",
            ),
        ],
    );
    let graph = crate_graph(&src).unwrap_or_default();
    assert_eq!(graph.file_cycles(), Vec::<Vec<Edge>>::new());
    let cycles = graph.module_cycles();
    assert_eq!(cycles.len(), 1);
    assert_eq!(
        pairs(&cycles[0]),
        [
            ("a/one.rs".into(), "b/low.rs".into()),
            ("b/high.rs".into(), "a/two.rs".into())
        ]
    );
    assert_eq!(cycles[0][1].line, 2);
}

#[test]
fn use_groups_self_and_inline_modules_resolve() {
    let src = write_crate(
        "groups",
        &[
            ("lib.rs", "pub mod a;\npub mod b;\npub mod c;\n"),
            ("a.rs", "pub mod inner { pub struct X; }\n"),
            ("b.rs", "pub struct Y;\n"),
            ("c.rs", "use crate::{a::{self, inner::X}, b::Y as Z};\nmod tests { use super::super::b; }\n"),
        ],
    );
    let graph = crate_graph(&src).unwrap_or_default();
    assert_eq!(
        pairs(&graph.file_edges()),
        [
            ("c.rs".into(), "a.rs".into()),
            ("c.rs".into(), "b.rs".into())
        ]
    );
}

#[test]
fn a_missing_module_file_is_an_error() {
    let src = write_crate("missing", &[("lib.rs", "mod gone;\n")]);
    assert!(crate_graph(&src).is_err());
}
