//! One Rust file as tokens: comments, strings and character literals are
//! dropped first, so a path quoted in a doc comment or a message is not an
//! import. Only what the path finder needs is kept: identifiers, `::`,
//! braces, `,`, `;`, `*`, `#`, `=`, and string literals' text (for
//! `#[path = "…"]`).

/// A token and the 1-based line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub text: String,
    pub line: usize,
    /// A string literal (its contents, unescaped only trivially).
    pub literal: bool,
}

/// Cuts `text` into tokens, skipping comments (nested block comments too),
/// character literals and lifetimes.
pub fn tokens(text: &str) -> Vec<Token> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut line = 1;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            i = skip_block_comment(&chars, i, &mut line);
        } else if let Some((end, contents)) = string_literal(&chars, i) {
            out.push(Token {
                text: contents,
                line,
                literal: true,
            });
            line += chars[i..end].iter().filter(|&&c| c == '\n').count();
            i = end;
        } else if c == '\'' {
            i = skip_quote(&chars, i);
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            out.push(Token {
                text: word,
                line,
                literal: false,
            });
        } else if c == ':' && next == Some(':') {
            out.push(Token {
                text: "::".into(),
                line,
                literal: false,
            });
            i += 2;
        } else {
            if "{},;*#=[]()!".contains(c) {
                out.push(Token {
                    text: c.into(),
                    line,
                    literal: false,
                });
            }
            i += 1;
        }
    }
    out
}

fn skip_block_comment(chars: &[char], mut i: usize, line: &mut usize) -> usize {
    let mut depth = 0;
    while i < chars.len() {
        if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
            depth += 1;
            i += 2;
        } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return i;
            }
        } else {
            if chars[i] == '\n' {
                *line += 1;
            }
            i += 1;
        }
    }
    i
}

/// A string literal starting at `i` (`"…"`, `b"…"`, `r#"…"#`, `br"…"`,
/// `c"…"`): where it ends and its contents.
fn string_literal(chars: &[char], i: usize) -> Option<(usize, String)> {
    // Called at the start of a word or on a quote: identifiers are taken
    // whole, so `r`, `b` or `c` here are a literal's prefix or a word.
    let mut j = i;
    while j < chars.len() && j - i < 2 && matches!(chars[j], 'b' | 'r' | 'c') {
        j += 1;
    }
    let raw = chars[i..j].contains(&'r');
    let mut hashes = 0;
    while raw && chars.get(j) == Some(&'#') {
        hashes += 1;
        j += 1;
    }
    if chars.get(j) != Some(&'"') {
        return None;
    }
    let start = j + 1;
    let mut k = start;
    while k < chars.len() {
        if !raw && chars[k] == '\\' {
            k += 2;
            continue;
        }
        if chars[k] == '"' && (0..hashes).all(|h| chars.get(k + 1 + h) == Some(&'#')) {
            let contents = chars[start..k].iter().collect();
            return Some((k + 1 + hashes, contents));
        }
        k += 1;
    }
    Some((chars.len(), chars[start..].iter().collect()))
}

/// Past a character literal (`'x'`, `'\n'`, `'\u{1F600}'`), or past the
/// quote of a lifetime or label (`'a`), which is not a literal.
fn skip_quote(chars: &[char], i: usize) -> usize {
    if chars.get(i + 1) == Some(&'\\') {
        let mut k = i + 2;
        while k < chars.len() && chars[k] != '\'' {
            k += 1;
        }
        return k + 1;
    }
    if chars.get(i + 2) == Some(&'\'') {
        return i + 3;
    }
    let mut k = i + 1;
    while k < chars.len() && (chars[k].is_alphanumeric() || chars[k] == '_') {
        k += 1;
    }
    k
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        tokens(text).into_iter().map(|t| t.text).collect()
    }

    #[test]
    fn comments_and_literals_hide_their_paths() {
        let text = "// crate::a\n/* crate::b /* nested */ crate::c */ use crate::d;\n\
                    let s = \"crate::e\"; let r = r#\"crate::f\"#; let c = '\"'; x::<'a>";
        assert_eq!(
            words(text),
            [
                "use", "crate", "::", "d", ";", "let", "s", "=", "crate::e", ";", "let", "r", "=",
                "crate::f", ";", "let", "c", "=", ";", "x", "::"
            ]
        );
    }

    #[test]
    fn lines_count_through_comments_and_strings() {
        let found = tokens("/*\n\n*/ a \"x\ny\" b\n'\\n' c");
        let lines: Vec<_> = found.iter().map(|t| (t.text.as_str(), t.line)).collect();
        assert_eq!(lines, [("a", 3), ("x\ny", 3), ("b", 4), ("c", 5)]);
    }

    #[test]
    fn a_lifetime_is_not_a_literal() {
        assert_eq!(
            words("fn f<'a>(x: &'a str) -> &'a str"),
            ["fn", "f", "(", "x", "str", ")", "str"]
        );
    }

    #[test]
    fn an_identifier_ending_in_r_is_not_a_raw_string() {
        assert_eq!(words("for\"a\""), ["for", "a"]);
        assert_eq!(words("br\"x\" b'y'"), ["x", "b"]);
    }
}
