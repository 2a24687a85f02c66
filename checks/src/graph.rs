//! A crate's module tree, found the way rustc finds it (from `lib.rs`,
//! through `mod name;` and `#[path = "…"]`), and the edges between its
//! files: file A names a module that file B defines.

use std::{
    collections::{BTreeMap, BTreeSet},
    fs, io,
    path::{Path, PathBuf},
};

use crate::source::{tokens, Token};

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
            .filter(|e| matches!((self.top_level(&e.from), self.top_level(&e.to)), (Some(a), Some(b)) if a != b))
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
        let dir = file.parent().unwrap_or(Path::new("")).to_path_buf();
        let stem = file
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        // Where `mod x;` looks: beside lib.rs/mod.rs, else in a folder named after the file.
        let base = if matches!(stem, "lib" | "mod") {
            dir.clone()
        } else {
            dir.join(stem)
        };
        let mut children = Vec::new();
        let mut inline: Vec<(String, usize)> = Vec::new();
        let mut depth = 0usize;
        let mut path_attribute: Option<String> = None;
        let mut i = 0;
        while i < tokens.len() {
            let word = tokens[i].text.as_str();
            let current: Vec<String> = module
                .iter()
                .cloned()
                .chain(inline.iter().map(|(n, _)| n.clone()))
                .collect();
            match word {
                "{" if !tokens[i].literal => depth += 1,
                "}" if !tokens[i].literal => {
                    if inline.last().is_some_and(|(_, d)| *d == depth) {
                        inline.pop();
                    }
                    depth = depth.saturating_sub(1);
                    path_attribute = None;
                }
                ";" if !tokens[i].literal => path_attribute = None,
                "path"
                    if text_at(tokens, i.wrapping_sub(1)) == "["
                        && text_at(tokens, i + 1) == "="
                        && is_literal(tokens, i + 2) =>
                {
                    path_attribute = Some(tokens[i + 2].text.clone());
                }
                "mod" if is_word(tokens, i + 1) => {
                    let name = tokens[i + 1].text.clone();
                    let mut child = current.clone();
                    child.push(name.clone());
                    match text_at(tokens, i + 2) {
                        ";" => {
                            let nested = inline.iter().fold(base.clone(), |d, (n, _)| d.join(n));
                            let candidates = match path_attribute.take() {
                                Some(path) => vec![dir.join(path)],
                                None => vec![
                                    nested.join(format!("{name}.rs")),
                                    nested.join(&name).join("mod.rs"),
                                ],
                            };
                            children.push((child, candidates));
                        }
                        "{" => {
                            self.modules.insert(child, file.to_path_buf());
                            inline.push((name, depth + 1));
                        }
                        _ => {}
                    }
                }
                "use" if !tokens[i].literal => {
                    let (paths, end) = use_tree(tokens, i + 1);
                    for (path, line) in paths {
                        self.name(file, &current, path, line, true);
                    }
                    i = end;
                    continue;
                }
                "crate" | "super" | "self"
                    if text_at(tokens, i + 1) == "::"
                        && text_at(tokens, i.wrapping_sub(1)) != "::" =>
                {
                    let (path, end) = path_at(tokens, i);
                    self.name(file, &current, path, tokens[i].line, false);
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

fn text_at(tokens: &[Token], i: usize) -> &str {
    tokens
        .get(i)
        .filter(|t| !t.literal)
        .map_or("", |t| t.text.as_str())
}

fn is_literal(tokens: &[Token], i: usize) -> bool {
    tokens.get(i).is_some_and(|t| t.literal)
}

fn is_word(tokens: &[Token], i: usize) -> bool {
    tokens.get(i).is_some_and(|t| {
        !t.literal
            && t.text
                .chars()
                .next()
                .is_some_and(|c| c.is_alphabetic() || c == '_')
    })
}

/// `a::b::c` from `i`: the segments, and the index past them.
fn path_at(tokens: &[Token], mut i: usize) -> (Vec<String>, usize) {
    let mut path = vec![tokens[i].text.clone()];
    i += 1;
    while text_at(tokens, i) == "::" && is_word(tokens, i + 1) {
        path.push(tokens[i + 1].text.clone());
        i += 2;
    }
    (path, i)
}

/// The paths of a `use` tree starting at `i` (after `use`), each with its
/// line, and the index past the closing `;`.
fn use_tree(tokens: &[Token], i: usize) -> (Vec<(Vec<String>, usize)>, usize) {
    let mut out = Vec::new();
    let start = if text_at(tokens, i) == "::" { i + 1 } else { i };
    let mut end = subtree(tokens, start, &[], &mut out);
    while end < tokens.len() && text_at(tokens, end) != ";" {
        end += 1;
    }
    (out, end + 1)
}

fn subtree(
    tokens: &[Token],
    mut i: usize,
    prefix: &[String],
    out: &mut Vec<(Vec<String>, usize)>,
) -> usize {
    let mut path = prefix.to_vec();
    let line = tokens.get(i).map_or(0, |t| t.line);
    loop {
        match text_at(tokens, i) {
            "{" => {
                i += 1;
                while i < tokens.len() && text_at(tokens, i) != "}" {
                    if text_at(tokens, i) == "self"
                        && matches!(text_at(tokens, i + 1), "," | "}" | "as")
                    {
                        out.push((path.clone(), tokens[i].line));
                        i += 1;
                        if text_at(tokens, i) == "as" {
                            i += 2;
                        }
                    } else {
                        i = subtree(tokens, i, &path, out);
                    }
                    if text_at(tokens, i) == "," {
                        i += 1;
                    }
                }
                return i + 1;
            }
            "*" => {
                out.push((path, line));
                return i + 1;
            }
            _ if is_word(tokens, i) => {
                path.push(tokens[i].text.clone());
                i += 1;
                if text_at(tokens, i) == "::" {
                    i += 1;
                    continue;
                }
                if text_at(tokens, i) == "as" {
                    i += 2;
                }
                out.push((path, line));
                return i;
            }
            _ => {
                if !path.is_empty() {
                    out.push((path, line));
                }
                return i;
            }
        }
    }
}

/// Tarjan's strongly connected components over the nodes `key` maps each
/// file to; every component of more than one node, with its edges.
fn cycles(edges: Vec<Edge>, key: impl Fn(&Path) -> PathBuf) -> Vec<Vec<Edge>> {
    let mut next: BTreeMap<PathBuf, BTreeSet<PathBuf>> = BTreeMap::new();
    for e in &edges {
        next.entry(key(&e.from)).or_default().insert(key(&e.to));
        next.entry(key(&e.to)).or_default();
    }
    let components = strongly_connected(&next);
    components
        .into_iter()
        .filter(|c| c.len() > 1)
        .map(|c| {
            edges
                .iter()
                .filter(|e| c.contains(&key(&e.from)) && c.contains(&key(&e.to)))
                .cloned()
                .collect()
        })
        .collect()
}

fn strongly_connected(next: &BTreeMap<PathBuf, BTreeSet<PathBuf>>) -> Vec<BTreeSet<PathBuf>> {
    struct State<'a> {
        next: &'a BTreeMap<PathBuf, BTreeSet<PathBuf>>,
        index: BTreeMap<&'a PathBuf, usize>,
        low: BTreeMap<&'a PathBuf, usize>,
        stack: Vec<&'a PathBuf>,
        on_stack: BTreeSet<&'a PathBuf>,
        out: Vec<BTreeSet<PathBuf>>,
    }
    fn visit<'a>(s: &mut State<'a>, node: &'a PathBuf) {
        let n = s.index.len();
        s.index.insert(node, n);
        s.low.insert(node, n);
        s.stack.push(node);
        s.on_stack.insert(node);
        for to in s.next.get(node).into_iter().flatten() {
            if !s.index.contains_key(to) {
                visit(s, to);
                let low = s.low[node].min(s.low[to]);
                s.low.insert(node, low);
            } else if s.on_stack.contains(to) {
                let low = s.low[node].min(s.index[to]);
                s.low.insert(node, low);
            }
        }
        if s.low[node] == s.index[node] {
            let mut component = BTreeSet::new();
            while let Some(top) = s.stack.pop() {
                s.on_stack.remove(top);
                component.insert(top.clone());
                if top == node {
                    break;
                }
            }
            s.out.push(component);
        }
    }
    let mut state = State {
        next,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        out: Vec::new(),
    };
    for node in next.keys() {
        if !state.index.contains_key(node) {
            visit(&mut state, node);
        }
    }
    state.out
}

#[cfg(test)]
#[path = "graph_tests.rs"]
mod tests;
