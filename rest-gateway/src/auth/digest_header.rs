//! Pure parsing of `Authorization: Digest` (how a request proves who it is
//! from) and formatting of the `WWW-Authenticate` challenges. Every input is
//! bounded before it is looked at, and every failure is a message for the
//! client, never a panic.

use flexiapi_proto::pb;

/// Longer `Authorization` values are refused outright: real ones are under 600 bytes.
const MAX_AUTHORIZATION_LEN: usize = 4096;
/// More parameters than any Digest client sends.
const MAX_DIGEST_PARAMS: usize = 32;

/// Why an `Authorization` header could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthorizationError {
    /// Another scheme (Basic, Bearer…).
    NotDigest,
    Malformed(String),
}

impl AuthorizationError {
    pub fn message(&self) -> String {
        match self {
            Self::NotDigest => "Only Digest authentication is supported".into(),
            Self::Malformed(why) => format!("Malformed Authorization header: {why}"),
        }
    }
}

fn malformed(why: impl Into<String>) -> AuthorizationError {
    AuthorizationError::Malformed(why.into())
}

/// Parses `Digest name=value, name="quoted \"value\"", …` (RFC 7616 §3.4,
/// RFC 9110 §11). Names are case-insensitive; a duplicated known parameter is
/// an error (which one counts would be a guess); unknown ones are ignored, as
/// the RFC asks.
pub fn parse_digest(value: &str) -> Result<pb::DigestFields, AuthorizationError> {
    if value.len() > MAX_AUTHORIZATION_LEN {
        return Err(malformed("it is too long"));
    }
    let value = value.trim();
    let (scheme, params) = value.split_once([' ', '\t']).unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("Digest") {
        return Err(AuthorizationError::NotDigest);
    }
    let mut fields = pb::DigestFields::default();
    let mut seen = 0;
    let mut cursor = Cursor {
        text: params,
        at: 0,
    };
    loop {
        cursor.skip_list_separators();
        if cursor.done() {
            break;
        }
        seen += 1;
        if seen > MAX_DIGEST_PARAMS {
            return Err(malformed("too many parameters"));
        }
        let name = cursor
            .token()
            .ok_or_else(|| malformed(format!("expected a parameter name at byte {}", cursor.at)))?;
        cursor.skip_whitespace();
        if !cursor.eat(b'=') {
            return Err(malformed(format!("expected '=' after {name}")));
        }
        cursor.skip_whitespace();
        let value = cursor
            .value()
            .map_err(|why| malformed(format!("{name}: {why}")))?;
        store(&mut fields, name, value)?;
        cursor.skip_whitespace();
        if !cursor.done() && !cursor.eat(b',') {
            return Err(malformed(format!("expected ',' after the value of {name}")));
        }
    }
    Ok(fields)
}

fn store(
    fields: &mut pb::DigestFields,
    name: &str,
    value: String,
) -> Result<(), AuthorizationError> {
    // Compared without lowering a copy: this runs for every parameter of
    // every authenticated request.
    let is = |known: &str| name.eq_ignore_ascii_case(known);
    let slot = if is("username") {
        &mut fields.username
    } else if is("realm") {
        &mut fields.realm
    } else if is("nonce") {
        &mut fields.nonce
    } else if is("uri") {
        &mut fields.uri
    } else if is("nc") {
        &mut fields.nc
    } else if is("cnonce") {
        &mut fields.cnonce
    } else if is("qop") {
        &mut fields.qop
    } else if is("response") {
        &mut fields.response
    } else if is("opaque") {
        &mut fields.opaque
    } else if is("algorithm") {
        &mut fields.algorithm
    } else if is("userhash") {
        &mut fields.userhash
    } else if is("username*") {
        return Err(malformed("username* is not supported"));
    } else {
        return Ok(());
    };
    if !slot.is_empty() {
        return Err(malformed(format!("{name} is given twice")));
    }
    if value.is_empty() {
        return Err(malformed(format!("{name} is empty")));
    }
    *slot = value;
    Ok(())
}

struct Cursor<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Cursor<'a> {
    fn done(&self) -> bool {
        self.at >= self.text.len()
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    fn eat(&mut self, byte: u8) -> bool {
        if self.peek() == Some(byte) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.at += 1;
        }
    }

    fn skip_list_separators(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b',')) {
            self.at += 1;
        }
    }

    /// RFC 9110 `token`.
    fn token(&mut self) -> Option<&'a str> {
        let start = self.at;
        while self.peek().is_some_and(is_tchar) {
            self.at += 1;
        }
        (self.at > start).then(|| &self.text[start..self.at])
    }

    /// A token or a quoted-string, unescaped.
    fn value(&mut self) -> Result<String, &'static str> {
        if !self.eat(b'"') {
            return self.token().map(str::to_owned).ok_or("expected a value");
        }
        if let Some(plain) = self.plain_quoted()? {
            return Ok(plain.to_owned());
        }
        self.escaped_quoted()
    }

    /// A quoted value without a backslash (every value real clients send),
    /// taken whole up to its closing quote, the cursor then after it; None,
    /// the cursor unmoved, when there is an escape to undo.
    fn plain_quoted(&mut self) -> Result<Option<&'a str>, &'static str> {
        let rest = &self.text.as_bytes()[self.at..];
        for (offset, &byte) in rest.iter().enumerate() {
            match byte {
                b'"' => {
                    let value = &self.text[self.at..self.at + offset];
                    self.at += offset + 1;
                    return Ok(Some(value));
                }
                b'\\' => return Ok(None),
                // The C0 controls and DEL, then C1 controls (U+0080-U+009F,
                // 0xC2 0x80-0x9F in UTF-8): `char::is_control`, bytewise.
                b'\t' => {}
                0x00..=0x1f | 0x7f => return Err("control character in a quoted value"),
                0xc2 if rest
                    .get(offset + 1)
                    .is_some_and(|next| (0x80..=0x9f).contains(next)) =>
                {
                    return Err("control character in a quoted value")
                }
                _ => {}
            }
        }
        Err("unterminated quoted value")
    }

    /// A quoted value holding escapes, undone character by character.
    fn escaped_quoted(&mut self) -> Result<String, &'static str> {
        let mut value = String::new();
        let mut chars = self.text[self.at..].char_indices();
        while let Some((offset, c)) = chars.next() {
            match c {
                '"' => {
                    self.at += offset + 1;
                    return Ok(value);
                }
                '\\' => match chars.next() {
                    Some((_, escaped)) if !escaped.is_control() => value.push(escaped),
                    _ => return Err("bad escape in a quoted value"),
                },
                c if c.is_control() && c != '\t' => {
                    return Err("control character in a quoted value")
                }
                c => value.push(c),
            }
        }
        Err("unterminated quoted value")
    }
}

fn is_tchar(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte)
}

/// `Digest realm="…",qop="auth",algorithm=…,nonce="…",opaque="…"[,stale=true]`.
/// Realms, nonces and opaques come from the core: hex and host names, which
/// need no escaping, but quotes and backslashes are escaped all the same.
pub fn www_authenticate(challenge: &pb::DigestChallenge) -> String {
    let mut header = format!(
        "Digest realm=\"{}\",qop=\"auth\",algorithm={},nonce=\"{}\",opaque=\"{}\"",
        escape(&challenge.realm),
        challenge.algorithm,
        escape(&challenge.nonce),
        escape(&challenge.opaque),
    );
    if challenge.stale {
        header.push_str(",stale=true");
    }
    header
}

/// One `WWW-Authenticate` value per challenge, in the core's order (MD5 first).
pub fn www_authenticate_all(challenges: &[pb::DigestChallenge]) -> Vec<String> {
    challenges.iter().map(www_authenticate).collect()
}

/// The value itself when it needs no escape (always, for what the core
/// sends): no copy on every challenge.
fn escape(value: &str) -> std::borrow::Cow<'_, str> {
    if value.contains(['\\', '"']) {
        value.replace('\\', "\\\\").replace('"', "\\\"").into()
    } else {
        value.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CURL: &str = r#"Digest username="alice01", realm="sip.example.org", nonce="abc123", uri="/api/ping", cnonce="NjQ1", nc=00000001, qop=auth, response="0123456789abcdef0123456789abcdef", opaque="0pq", algorithm=MD5"#;

    #[test]
    fn digest_reads_quoted_and_unquoted_values() {
        let fields = parse_digest(CURL).unwrap();
        assert_eq!(fields.username, "alice01");
        assert_eq!(fields.realm, "sip.example.org");
        assert_eq!(fields.nonce, "abc123");
        assert_eq!(fields.uri, "/api/ping");
        assert_eq!(fields.nc, "00000001");
        assert_eq!(fields.cnonce, "NjQ1");
        assert_eq!(fields.qop, "auth");
        assert_eq!(fields.response, "0123456789abcdef0123456789abcdef");
        assert_eq!(fields.opaque, "0pq");
        assert_eq!(fields.algorithm, "MD5");
    }

    #[test]
    fn digest_handles_escapes_case_and_spacing() {
        let fields = parse_digest(
            "digest   USERNAME = \"al\\\"ice\" ,realm=\"a\\\\b\",,  Nonce=n1,uri=\"/api?x=1,2\",custom=ignored",
        )
        .unwrap();
        assert_eq!(fields.username, "al\"ice");
        assert_eq!(fields.realm, "a\\b");
        assert_eq!(fields.nonce, "n1");
        assert_eq!(fields.uri, "/api?x=1,2");
    }

    #[test]
    fn digest_refuses_hostile_or_broken_headers() {
        let cases = [
            ("Digest username=\"a\", username=\"b\"", "given twice"),
            ("Digest username=\"unterminated", "unterminated"),
            ("Digest username", "expected '='"),
            ("Digest =value", "parameter name"),
            ("Digest username=\"a\" realm=\"b\"", "expected ','"),
            ("Digest username=", "expected a value"),
            ("Digest username=\"\"", "empty"),
            ("Digest username=\"a\\\u{1}\"", "bad escape"),
            ("Digest username=\"a\u{0}b\"", "control character"),
            ("Digest username*=UTF-8''%c2%a3", "not supported"),
        ];
        for (header, why) in cases {
            match parse_digest(header) {
                Err(AuthorizationError::Malformed(message)) => {
                    assert!(message.contains(why), "{header:?}: {message}")
                }
                other => panic!("{header:?}: {other:?}"),
            }
        }
        let huge = format!("Digest username=\"{}\"", "a".repeat(10_000));
        assert!(matches!(
            parse_digest(&huge),
            Err(AuthorizationError::Malformed(_))
        ));
        let many = format!(
            "Digest {}",
            (0..40)
                .map(|i| format!("p{i}=v"))
                .collect::<Vec<_>>()
                .join(",")
        );
        assert!(matches!(
            parse_digest(&many),
            Err(AuthorizationError::Malformed(_))
        ));
    }

    #[test]
    fn quoted_values_read_whole_as_when_read_char_by_char() {
        // The whole-slice path must agree with the escape-undoing one on
        // every value without a backslash, controls and C1 included.
        let values = [
            "plain",
            "",
            "é\u{80}x",
            "a\u{9f}",
            "a\u{a0}b",
            "tab\there",
            "nul\u{0}",
            "del\u{7f}",
            "日本\u{1f}",
            "unterminated",
            "x\u{c2}",
        ];
        for value in values {
            for closed in [true, false] {
                let text = if closed {
                    format!("{value}\"rest")
                } else {
                    value.to_owned()
                };
                let mut fast = Cursor { text: &text, at: 0 };
                let mut slow = Cursor { text: &text, at: 0 };
                let fast_value = fast.plain_quoted().map(|v| v.map(str::to_owned));
                assert_eq!(fast_value, slow.escaped_quoted().map(Some), "{text:?}");
                if fast_value.is_ok() {
                    assert_eq!(fast.at, slow.at, "{text:?}");
                }
            }
        }
        assert!(parse_digest("Digest nonce=\"a\u{85}b\"").is_err());
    }

    #[test]
    fn other_schemes_are_not_digest() {
        for header in ["Basic YWxpY2U6c2VjcmV0", "Bearer x", "Digestusername=a", ""] {
            assert_eq!(
                parse_digest(header),
                Err(AuthorizationError::NotDigest),
                "{header:?}"
            );
        }
        assert!(parse_digest("Digest").is_ok_and(|f| f.username.is_empty()));
    }

    #[test]
    fn never_panics_on_arbitrary_bytes() {
        // Every prefix of every case, cut at each char boundary, must return.
        let samples = [
            CURL,
            "Digest a=\"\\",
            "Digest a=\"é\\é\"",
            "Digest ,,,=,\"\"",
        ];
        for sample in samples {
            for (i, _) in sample.char_indices() {
                let _ = parse_digest(&sample[..i]);
            }
        }
    }

    #[test]
    fn challenges_are_formatted_as_the_contract_shows() {
        let mut challenge = pb::DigestChallenge {
            realm: "sip.example.org".into(),
            nonce: "n1".into(),
            opaque: "o1".into(),
            algorithm: "SHA-256".into(),
            qop: "auth".into(),
            stale: false,
        };
        assert_eq!(
            www_authenticate(&challenge),
            "Digest realm=\"sip.example.org\",qop=\"auth\",algorithm=SHA-256,nonce=\"n1\",opaque=\"o1\""
        );
        challenge.stale = true;
        assert!(www_authenticate(&challenge).ends_with(",stale=true"));
    }
}
