//! Pure parsing of the `From` header: the SIP address a request says it
//! comes from. Bounded before it is looked at; every failure is a message
//! for the client (a 422 on `from`), never a panic.

use percent_encoding::percent_decode_str;

use crate::core_client::SipAddress;

/// Longer `From` values are refused outright: real ones are under 200 bytes.
const MAX_FROM_LEN: usize = 1024;

/// Parses `sip:user@domain` and the forms around it that SIP and HTTP
/// clients send: `<sip:user@domain>`, a display name before it, `;tag=…`
/// parameters after it, `sips:`, a port, URI parameters and percent-encoded
/// user parts (`sip:j%C3%A9r%C3%B4me@…`).
pub fn parse_from(value: &str) -> Result<SipAddress, &'static str> {
    if value.len() > MAX_FROM_LEN {
        return Err("The from header is too long.");
    }
    let value = value.trim();
    let addr_spec = match value.find('<') {
        Some(open) => {
            let rest = &value[open + 1..];
            let close = rest
                .find('>')
                .ok_or("The from header has an unclosed '<'.")?;
            &rest[..close]
        }
        // Without brackets, what follows ';' belongs to the header (a tag).
        None => value.split(';').next().unwrap_or_default(),
    };
    let rest = strip_scheme(addr_spec.trim())
        .ok_or("The from header must be a SIP address like sip:user@domain.")?;
    let (userinfo, hostport) = rest
        .split_once('@')
        .ok_or("The from header must be a SIP address like sip:user@domain.")?;
    // RFC 3261 user parts may hold ';' and '?', so URI parameters are cut
    // from the host side only; a `:password` in userinfo is dropped.
    let user = userinfo.split(':').next().unwrap_or_default();
    let host = hostport.split([';', '?']).next().unwrap_or_default();
    let host = host.split(':').next().unwrap_or_default();
    if !escapes_are_well_formed(user) {
        return Err("The from header's user part has a malformed %-escape.");
    }
    let username = percent_decode_str(user)
        .decode_utf8()
        .map_err(|_| "The from header's user part is not valid UTF-8.")?;
    if username.is_empty() || host.is_empty() {
        return Err("The from header must be a SIP address like sip:user@domain.");
    }
    if username.chars().any(char::is_control)
        || host.chars().any(|c| c.is_control() || c.is_whitespace())
    {
        return Err("The from header contains control characters.");
    }
    Ok(SipAddress {
        username: username.into_owned(),
        domain: host.to_owned(),
    })
}

/// `percent_decode_str` passes a bad escape through as is; RFC 3261 does not.
fn escapes_are_well_formed(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.iter().enumerate().all(|(i, &b)| {
        b != b'%'
            || (bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit))
    })
}

fn strip_scheme(uri: &str) -> Option<&str> {
    let (scheme, rest) = uri.split_once(':')?;
    (scheme.eq_ignore_ascii_case("sip") || scheme.eq_ignore_ascii_case("sips")).then_some(rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(username: &str, domain: &str) -> SipAddress {
        SipAddress {
            username: username.into(),
            domain: domain.into(),
        }
    }

    #[test]
    fn from_accepts_every_documented_form() {
        let alice = address("alice01", "sip.example.org");
        for value in [
            "sip:alice01@sip.example.org",
            "<sip:alice01@sip.example.org>",
            "SIP:alice01@sip.example.org",
            "sips:alice01@sip.example.org",
            "\"Alice A.\" <sip:alice01@sip.example.org>",
            "Alice <sip:alice01@sip.example.org>;tag=1928301774",
            "sip:alice01@sip.example.org;tag=a6c85cf",
            "<sip:alice01@sip.example.org:5061;transport=tls>",
            "  sip:alice01@sip.example.org  ",
            "sip:alice01:secret@sip.example.org",
            "sip:%61lice01@sip.example.org",
        ] {
            assert_eq!(parse_from(value), Ok(alice.clone()), "{value:?}");
        }
        assert_eq!(
            parse_from("sip:j%C3%A9r%C3%B4me@sip.example.org"),
            Ok(address("jérôme", "sip.example.org"))
        );
        assert_eq!(
            parse_from("<sip:alice;day=tuesday@atlanta.com>"),
            Ok(address("alice;day=tuesday", "atlanta.com"))
        );
    }

    #[test]
    fn from_refuses_what_is_not_a_sip_address() {
        for value in [
            "",
            "alice01@sip.example.org",
            "tel:+33123456789",
            "http://alice01@sip.example.org",
            "sip:sip.example.org",
            "sip:@sip.example.org",
            "sip:alice01@",
            "<sip:alice01@sip.example.org",
            "sip:al%ZZice@sip.example.org",
            "sip:alice%4@sip.example.org",
            "sip:alice%@sip.example.org",
            "sip:al%FFice@sip.example.org",
            "sip:al%0Aice@sip.example.org",
            "sip:alice01@exa mple.org",
        ] {
            assert!(parse_from(value).is_err(), "{value:?}");
        }
        assert!(parse_from(&format!("sip:{}@x.org", "a".repeat(2000))).is_err());
    }

    #[test]
    fn never_panics_on_arbitrary_bytes() {
        for sample in ["<sip:é@é>;", "\"<sip:a%@b>", "sip:%C3@x;tag=<"] {
            for (i, _) in sample.char_indices() {
                let _ = parse_from(&sample[..i]);
            }
        }
    }
}
