//! A crate's module tree, found the way rustc finds it (from `lib.rs`,
//! through `mod name;` and `#[path = "…"]`), and the edges between its
//! files: file A names a module that file B defines.

use std::{
    collections::BTreeMap,
    fs, io,
    path::{Path, PathBuf},
};

use crate::{
    cycles::cycles,
    paths::{is_word, path_at, text_at, use_tree},
    source::{tokens, Token},
};

/// File `from` names a module of file `to`, first at `line`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Edge {
    pub from: PathBuf,
    pub to: PathBuf,
    pub line: usize,
}

impl std::fmt::Display for Edge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{} names {}",
            self.from.display(),
            self.line,
            self.to.display()
        )
    }
}

/// The files of a crate and what each names.
#[derive(Debug, Default)]
pub struct CrateGraph {
    /// Module path → the file that holds it (inline modules map to theirs).
    modules: BTreeMap<Vec<String>, PathBuf>,
    /// File → its own module path (relative to `src/`).
    file_modules: BTreeMap<PathBuf, Vec<String>>,
    /// Every path a file names, unresolved: (file, module it is in, path, line, a `use`).
    names: Vec<Named>,
}

#[derive(Debug)]
struct Named {
    file: PathBuf,
    module: Vec<String>,
    path: Vec<String>,
    line: usize,
    in_use: bool,
}

/// Reads the library crate rooted at `src/lib.rs`.
pub fn crate_graph(src: &Path) -> io::Result<CrateGraph> {
    let mut graph = CrateGraph::default();
    let mut pending = vec![(PathBuf::from("lib.rs"), Vec::new())];
    while let Some((file, module)) = pending.pop() {
        let text = fs::read_to_string(src.join(&file))?;
        let children = graph.read_file(&file, &module, &tokens(&text));
        for (child_module, candidates) in children {
            let found = candidates.into_iter().find(|c| src.join(c).is_file());
            let child = found.ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::NotFound,
                    format!("no file for module {child_module:?}"),
                )
            })?;
            pending.push((child, child_module));
        }
    }
    Ok(graph)
}

impl CrateGraph {
    /// Edges between two files neither of which is the other's ancestor in
    /// the module tree, one per (from, to) pair, at its first line.
    pub fn file_edges(&self) -> Vec<Edge> {
        let mut first: BTreeMap<(PathBuf, PathBuf), usize> = BTreeMap::new();
        for named in &self.names {
            let Some(to) = self.resolve(named) else {
                continue;
            };
            let from_module = &self.file_modules[&named.file];
            let to_module = &self.file_modules[&to];
            if from_module.starts_with(to_module) || to_module.starts_with(from_module) {
                continue;
            }
            let line = first.entry((named.file.clone(), to)).or_insert(named.line);
            *line = (*line).min(named.line);
        }
        first
            .into_iter()
            .map(|((from, to), line)| Edge { from, to, line })
            .collect()
    }

    /// The top-level module a file belongs to (`None` for `lib.rs`).
    pub fn top_level(&self, file: &Path) -> Option<&str> {
        self.file_modules.get(file)?.first().map(String::as_str)
    }

    /// Every cycle between files: each strongly connected set of files,
    /// with the edges inside it.
    pub fn file_cycles(&self) -> Vec<Vec<Edge>> {
        cycles(self.file_edges(), |file| file.to_path_buf())
    }

    /// Every cycle between top-level modules, with the file edges that make it.
    pub fn module_cycles(&self) -> Vec<Vec<Edge>> {
        let edges = self
            .file_edges()
            .into_iter()
            .filter(|e| {
                let (from, to) = (self.top_level(&e.from), self.top_level(&e.to));
                from.is_some() && to.is_some() && from != to
            })
            .collect();
        cycles(edges, |file| {
            PathBuf::from(self.top_level(file).unwrap_or_default())
        })
    }

    /// Reads one file: records its modules and the paths it names; returns
    /// its child modules with the files each may live in.
    fn read_file(
        &mut self,
        file: &Path,
        module: &[String],
        tokens: &[Token],
    ) -> Vec<(Vec<String>, Vec<PathBuf>)> {
        self.modules.insert(module.to_vec(), file.to_path_buf());
        self.file_modules
            .insert(file.to_path_buf(), module.to_vec());
        let mut walk = Walk::new(file, module);
        let mut children = Vec::new();
        let mut i = 0;
        while i < tokens.len() {
            let token = &tokens[i];
            match token.text.as_str() {
                _ if token.literal => {}
                "{" => walk.depth += 1,
                "}" => walk.close_brace(),
                ";" => walk.path_attribute = None,
                "path"
                    if text_at(tokens, i.wrapping_sub(1)) == "["
                        && text_at(tokens, i + 1) == "=" =>
                {
                    walk.path_attribute = tokens
                        .get(i + 2)
                        .filter(|t| t.literal)
                        .map(|t| t.text.clone());
                }
                "mod" if is_word(tokens, i + 1) => {
                    let name = &tokens[i + 1].text;
                    match text_at(tokens, i + 2) {
                        ";" => children.push(walk.child_files(name)),
                        "{" => {
                            self.modules
                                .insert(walk.module_of(name), file.to_path_buf());
                            walk.inline.push((name.clone(), walk.depth + 1));
                        }
                        _ => {}
                    }
                }
                "use" => {
                    let (paths, end) = use_tree(tokens, i + 1);
                    for (path, line) in paths {
                        self.name(file, &walk.current(), path, line, true);
                    }
                    i = end;
                    continue;
                }
                "crate" | "super" | "self"
                    if text_at(tokens, i + 1) == "::"
                        && text_at(tokens, i.wrapping_sub(1)) != "::" =>
                {
                    let (path, end) = path_at(tokens, i);
                    self.name(file, &walk.current(), path, token.line, false);
                    i = end;
                    continue;
                }
                _ => {}
            }
            i += 1;
        }
        children
    }

    fn name(
        &mut self,
        file: &Path,
        module: &[String],
        path: Vec<String>,
        line: usize,
        in_use: bool,
    ) {
        self.names.push(Named {
            file: file.to_path_buf(),
            module: module.to_vec(),
            path,
            line,
            in_use,
        });
    }

    /// The file that defines the deepest module `named` goes through.
    fn resolve(&self, named: &Named) -> Option<PathBuf> {
        let mut segments = named.path.iter();
        let mut absolute: Vec<String> = match named.path.first().map(String::as_str) {
            Some("crate") => {
                segments.next();
                Vec::new()
            }
            Some("super" | "self") => named.module.clone(),
            Some(first) if named.in_use => {
                // `use child::Item` names a child module of this one (2018 paths);
                // any other first word is another crate.
                let mut child = named.module.clone();
                child.push(first.to_string());
                if !self.modules.contains_key(&child) {
                    return None;
                }
                named.module.clone()
            }
            _ => return None,
        };
        for segment in segments {
            match segment.as_str() {
                "super" => {
                    absolute.pop();
                }
                "self" => {}
                other => absolute.push(other.to_string()),
            }
        }
        let file = (0..=absolute.len())
            .rev()
            .find_map(|n| self.modules.get(&absolute[..n]))?;
        // An inline module belongs to its file; the file's own module decides ancestry.
        Some(file.clone())
    }
}

/// Where the walk through one file's tokens stands in the module tree.
struct Walk {
    /// The file's own module.
    module: Vec<String>,
    /// The inline modules (`mod tests { … }`) open here, each with the brace
    /// depth its body is at.
    inline: Vec<(String, usize)>,
    depth: usize,
    /// A `#[path = "…"]` waiting for its `mod name;`.
    path_attribute: Option<String>,
    /// The file's folder, which `#[path]` is relative to.
    dir: PathBuf,
    /// Where `mod x;` looks: beside lib.rs or mod.rs, else in a folder
    /// named after the file.
    base: PathBuf,
}

impl Walk {
    fn new(file: &Path, module: &[String]) -> Self {
        let dir = file.parent().unwrap_or(Path::new("")).to_path_buf();
        let stem = file
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        let base = if matches!(stem, "lib" | "mod") {
            dir.clone()
        } else {
            dir.join(stem)
        };
        Self {
            module: module.to_vec(),
            inline: Vec::new(),
            depth: 0,
            path_attribute: None,
            dir,
            base,
        }
    }

    /// The module the walk is in, inline modules included.
    fn current(&self) -> Vec<String> {
        let inline = self.inline.iter().map(|(name, _)| name.clone());
        self.module.iter().cloned().chain(inline).collect()
    }

    fn module_of(&self, child: &str) -> Vec<String> {
        let mut module = self.current();
        module.push(child.to_owned());
        module
    }

    fn close_brace(&mut self) {
        if self
            .inline
            .last()
            .is_some_and(|(_, depth)| *depth == self.depth)
        {
            self.inline.pop();
        }
        self.depth = self.depth.saturating_sub(1);
        self.path_attribute = None;
    }

    /// `mod name;`: the child's module and the files it may live in.
    fn child_files(&mut self, name: &str) -> (Vec<String>, Vec<PathBuf>) {
        let candidates = match self.path_attribute.take() {
            Some(path) => vec![self.dir.join(path)],
            None => {
                let nested = self
                    .inline
                    .iter()
                    .fold(self.base.clone(), |dir, (n, _)| dir.join(n));
                vec![
                    nested.join(format!("{name}.rs")),
                    nested.join(name).join("mod.rs"),
                ]
            }
        };
        (self.module_of(name), candidates)
    }
}

#[cfg(test)]
#[path = "graph_tests.rs"]
mod tests;
