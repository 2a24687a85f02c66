//! The README is the front door and `docs/` the manual: every relative link
//! in them reaches a file of the repository (never a path outside it, which
//! a user who cloned the project does not have), and the README stays short
//! enough to read in the first ten minutes.

use std::{
    fs,
    path::{Component, Path, PathBuf},
};

/// The README's budget in lines; the rest belongs in `docs/`.
const README_MAX_LINES: usize = 200;

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The Markdown files users read: the README, `docs/`, `deploy/README.md`.
fn documents() -> Vec<PathBuf> {
    let root = repository();
    let mut files = vec![root.join("README.md"), root.join("deploy/README.md")];
    let docs =
        fs::read_dir(root.join("docs")).map(|d| d.flatten().map(|e| e.path()).collect::<Vec<_>>());
    let mut docs = docs.unwrap_or_default();
    docs.retain(|p| p.extension().is_some_and(|e| e == "md"));
    docs.sort();
    assert!(!docs.is_empty(), "docs/ holds no Markdown file");
    files.extend(docs);
    files
}

/// The targets of `[text](target)` links, outside code blocks.
fn link_targets(text: &str) -> Vec<String> {
    let mut targets = Vec::new();
    let mut fenced = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        let mut rest = line;
        while let Some(start) = rest.find("](") {
            let after = &rest[start + 2..];
            let Some(end) = after.find(')') else { break };
            targets.push(after[..end].to_string());
            rest = &after[end..];
        }
    }
    targets
}

/// `path` with `.` and `..` folded, or `None` when `..` climbs above its start.
fn normalized(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    Some(out)
}

#[test]
fn every_relative_link_reaches_a_file_of_the_repository() {
    let root = repository();
    let mut broken = Vec::new();
    for document in documents() {
        let text = fs::read_to_string(&document).unwrap_or_default();
        let relative_dir = document
            .parent()
            .and_then(|d| d.strip_prefix(&root).ok())
            .map(Path::to_path_buf);
        for target in link_targets(&text) {
            if target.contains("://") || target.starts_with('#') || target.starts_with("mailto:") {
                continue;
            }
            let path = target.split('#').next().unwrap_or_default();
            let inside = relative_dir
                .as_ref()
                .and_then(|dir| normalized(&dir.join(path)));
            match inside {
                Some(inside) if root.join(&inside).exists() => {}
                Some(_) => broken.push(format!("{}: {target} does not exist", document.display())),
                None => broken.push(format!(
                    "{}: {target} leads outside the repository",
                    document.display()
                )),
            }
        }
    }
    assert!(
        broken.is_empty(),
        "broken links:\n  {}",
        broken.join("\n  ")
    );
}

#[test]
fn the_readme_is_a_front_door() {
    let readme = fs::read_to_string(repository().join("README.md")).unwrap_or_default();
    let lines = readme.lines().count();
    assert!(
        lines <= README_MAX_LINES,
        "README.md has {lines} lines (at most {README_MAX_LINES}): move a section to docs/"
    );
    for command in ["./scripts/run", "./scripts/test"] {
        assert!(
            readme.contains(&format!("```sh\n{command}\n```")),
            "README.md no longer shows {command}"
        );
    }
    let ci = fs::read_to_string(repository().join(".ci/run")).unwrap_or_default();
    assert!(
        ci.contains("./scripts/test"),
        ".ci/run no longer calls the README's test command"
    );
}

#[test]
fn every_page_of_docs_is_reachable_from_the_readme() {
    let readme = fs::read_to_string(repository().join("README.md")).unwrap_or_default();
    let linked = link_targets(&readme);
    let pages = documents()
        .into_iter()
        .filter(|p| p.parent().is_some_and(|d| d.ends_with("docs")));
    let missing: Vec<String> = pages
        .filter_map(|page| {
            page.file_name()
                .map(|n| format!("docs/{}", n.to_string_lossy()))
        })
        .filter(|page| {
            !linked
                .iter()
                .any(|target| target.split('#').next() == Some(page.as_str()))
        })
        .collect();
    assert!(
        missing.is_empty(),
        "README.md links none of: {}",
        missing.join(", ")
    );
}

#[test]
fn a_link_finder_that_sees_links() {
    let text = "see [a](docs/a.md) and [b](../x.md#y)\n```\n[c](skip.md)\n```\n[d](https://e)";
    assert_eq!(link_targets(text), ["docs/a.md", "../x.md#y", "https://e"]);
    assert_eq!(
        normalized(Path::new("docs/../README.md")),
        Some(PathBuf::from("README.md"))
    );
    assert_eq!(normalized(Path::new("../shared/docs")), None);
}
