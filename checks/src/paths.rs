//! The paths a file names: `a::b::c` in an expression, and the paths of
//! a `use` tree (`use crate::{a::{self, B}, c::D as E};`), each expanded.

use crate::source::Token;

pub fn text_at(tokens: &[Token], i: usize) -> &str {
    tokens
        .get(i)
        .filter(|t| !t.literal)
        .map_or("", |t| t.text.as_str())
}

pub fn is_word(tokens: &[Token], i: usize) -> bool {
    tokens.get(i).is_some_and(|t| {
        !t.literal
            && t.text
                .chars()
                .next()
                .is_some_and(|c| c.is_alphabetic() || c == '_')
    })
}

/// `a::b::c` from `i`: the segments, and the index past them.
pub fn path_at(tokens: &[Token], mut i: usize) -> (Vec<String>, usize) {
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
pub fn use_tree(tokens: &[Token], i: usize) -> (Vec<(Vec<String>, usize)>, usize) {
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
