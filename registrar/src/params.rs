//! `;name=value` lists: a URI's parameters (plain tokens) and a header's
//! (values may be quoted strings holding `; , < >` and `\` escapes).

/// Splits at each `;` outside a quoted string: `name` or `name=value`, the
/// value as written (quotes kept). `None` for an unterminated quote.
pub(crate) fn split_params(raw: &str) -> Option<Vec<(&str, Option<&str>)>> {
    let mut params = Vec::new();
    let mut start = 0;
    let mut quoted = false;
    let mut escaped = false;
    for (i, c) in raw.char_indices() {
        if escaped {
            escaped = false;
        } else if quoted && c == '\\' {
            escaped = true;
        } else if c == '"' {
            quoted = !quoted;
        } else if c == ';' && !quoted {
            push_param(&raw[start..i], &mut params);
            start = i + 1;
        }
    }
    if quoted {
        return None;
    }
    push_param(&raw[start..], &mut params);
    Some(params)
}

fn push_param<'a>(raw: &'a str, params: &mut Vec<(&'a str, Option<&'a str>)>) {
    let raw = raw.trim();
    if raw.is_empty() {
        return;
    }
    match raw.split_once('=') {
        Some((name, value)) => params.push((name.trim(), Some(value.trim()))),
        None => params.push((raw, None)),
    }
}

/// A quoted string's content (`\` escapes undone); a token as it is.
pub(crate) fn unquote(value: &str) -> String {
    let Some(inner) = value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .filter(|_| value.len() >= 2)
    else {
        return value.to_owned();
    };
    let mut text = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(next) = chars.next() {
                text.push(next);
            }
        } else {
            text.push(c);
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_values_keep_their_separators() {
        let params =
            split_params(r#";+sip.instance="<urn:a;b>";x="a,b\"c";pub-gruu;q=0.5"#).unwrap();
        assert_eq!(
            params,
            [
                ("+sip.instance", Some(r#""<urn:a;b>""#)),
                ("x", Some(r#""a,b\"c""#)),
                ("pub-gruu", None),
                ("q", Some("0.5")),
            ]
        );
        assert_eq!(unquote(r#""a,b\"c""#), r#"a,b"c"#);
        assert_eq!(unquote("token"), "token");
        assert_eq!(unquote("\""), "\"");
        assert!(split_params(r#";a="open"#).is_none());
    }
}
