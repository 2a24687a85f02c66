//! `%XX` decoding as Flexisip writes it: upper- or lower-case hex, and `+`
//! is a plus (never a space, unlike form encoding).

/// The decoded text; `None` for a `%` not followed by two hex digits or a
/// result that is not UTF-8.
pub(crate) fn percent_decode(raw: &str) -> Option<String> {
    let bytes = raw.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            let high = hex_value(hex[0])?;
            let low = hex_value(hex[1])?;
            decoded.push(high << 4 | low);
            i += 3;
        } else {
            decoded.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(decoded).ok()
}

fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_decode_and_plus_stays_a_plus() {
        assert_eq!(
            percent_decode("a%20b%2Cc+d%3a").as_deref(),
            Some("a b,c+d:")
        );
        assert_eq!(percent_decode("").as_deref(), Some(""));
        assert_eq!(percent_decode("%4").as_deref(), None);
        assert_eq!(percent_decode("%zz").as_deref(), None);
        assert_eq!(percent_decode("%FF").as_deref(), None, "not UTF-8");
        assert_eq!(percent_decode("%C3%A9").as_deref(), Some("é"));
    }
}
