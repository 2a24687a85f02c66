//! Cycles in a graph of files: Tarjan's strongly connected components,
//! each of more than one node a cycle.

use std::{
    collections::{BTreeMap, BTreeSet},
    path::{Path, PathBuf},
};

use crate::graph::Edge;

/// Tarjan's strongly connected components over the nodes `key` maps each
/// file to; every component of more than one node, with its edges.
pub fn cycles(edges: Vec<Edge>, key: impl Fn(&Path) -> PathBuf) -> Vec<Vec<Edge>> {
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
