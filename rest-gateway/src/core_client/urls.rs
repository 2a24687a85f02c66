//! `--core-url`: where the core is, as the flag's text says it (one or
//! more http:// or https:// URLs, or one unix:/PATH).

use std::path::PathBuf;

use anyhow::Context as _;
use hyper::{http::uri::Authority, Uri};

use super::replicas::Target;

/// What `--core-url` names.
pub(super) struct CoreUrls {
    /// The first URL's scheme and authority: what tonic's clients carry.
    pub origin: Uri,
    pub targets: Vec<Target>,
    pub https: bool,
    /// A `unix:` URL's socket.
    pub unix: Option<PathBuf>,
}

pub(super) fn parse(urls: &str) -> anyhow::Result<CoreUrls> {
    if let Some(path) = unix_socket(urls)? {
        // One endpoint, reached whatever its address says; requests carry
        // `localhost` as their authority.
        return Ok(CoreUrls {
            origin: Uri::from_static("http://localhost"),
            targets: vec![Target::new(
                &Authority::from_static("127.0.0.1"),
                false,
                true,
            )],
            https: false,
            unix: Some(path),
        });
    }
    let (origin, targets, https) = targets(urls)?;
    Ok(CoreUrls {
        origin,
        targets,
        https,
        unix: None,
    })
}

/// A `unix:/PATH` (or `unix:///PATH`) `--core-url`: the core's socket on
/// this host. It names one core, so it stands alone.
fn unix_socket(urls: &str) -> anyhow::Result<Option<PathBuf>> {
    let urls = urls.trim();
    let Some(rest) = urls.strip_prefix("unix:") else {
        return Ok(None);
    };
    let path = rest.strip_prefix("//").unwrap_or(rest);
    anyhow::ensure!(
        path.starts_with('/') && !path.contains(','),
        "invalid --core-url / FLEXIAPI_CORE_URL: {urls}: expected unix:/PATH, an absolute \
         path to the core's --unix-socket, alone"
    );
    Ok(Some(PathBuf::from(path)))
}

/// `--core-url`: one URL, or several separated by commas, all http:// or
/// all https://; the first one's origin, each one's target, and whether
/// they are https.
fn targets(urls: &str) -> anyhow::Result<(Uri, Vec<Target>, bool)> {
    let invalid = |url: &str| {
        format!(
            "invalid --core-url / FLEXIAPI_CORE_URL: {url}: expected http://HOST:PORT or \
             https://HOST:PORT, or several separated by commas, or unix:/PATH"
        )
    };
    let mut parsed = Vec::new();
    for url in urls.split(',').map(str::trim) {
        let uri: Uri = url.parse().with_context(|| invalid(url))?;
        let scheme = uri.scheme_str();
        anyhow::ensure!(
            matches!(scheme, Some("http" | "https"))
                && uri.authority().is_some()
                && matches!(uri.path(), "" | "/")
                && uri.query().is_none(),
            "{}",
            invalid(url)
        );
        parsed.push(uri);
    }
    let https = parsed[0].scheme_str() == Some("https");
    anyhow::ensure!(
        parsed
            .iter()
            .all(|uri| (uri.scheme_str() == Some("https")) == https),
        "invalid --core-url / FLEXIAPI_CORE_URL: {urls}: all http:// or all https://"
    );
    let mut targets = Vec::new();
    for (index, uri) in parsed.iter().enumerate() {
        let authority = uri.authority().with_context(|| invalid(urls))?;
        targets.push(Target::new(authority, https, index == 0));
    }
    Ok((parsed.swap_remove(0), targets, https))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_core_url_that_is_not_http_host_port_names_the_flag() {
        for url in [
            "core:50051",
            "ftp://core:50051",
            "not a url",
            "http://",
            "http://core:50051/path",
            "http://a:50051,https://b:50051",
            "http://a:50051,",
            "unix:relative/core.sock",
            "unix:",
            "unix:/run/a.sock,unix:/run/b.sock",
            "unix:/run/a.sock,http://b:50051",
        ] {
            let Err(error) = parse(url) else {
                panic!("{url} taken");
            };
            assert!(
                format!("{error:#}").contains("--core-url"),
                "{url}: {error:#}"
            );
        }
    }

    #[test]
    fn several_core_urls_are_several_targets_of_one_scheme() {
        let (origin, found, https) =
            targets("http://core-0:50051, http://[::1]:50052,http://10.0.0.3").unwrap();
        assert_eq!(origin, "http://core-0:50051/");
        assert_eq!(found.len(), 3);
        assert!(!https);
        let (_, _, https) = targets("https://core-service-replicas:50051").unwrap();
        assert!(https);
    }

    #[test]
    fn a_unix_core_url_names_a_socket() {
        for url in [
            "unix:/run/flexiapi/core.sock",
            "unix:///run/flexiapi/core.sock",
        ] {
            let path = unix_socket(url).unwrap().unwrap();
            assert_eq!(path, PathBuf::from("/run/flexiapi/core.sock"), "{url}");
        }
        assert_eq!(unix_socket("http://127.0.0.1:50051").unwrap(), None);
    }
}
