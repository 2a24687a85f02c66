//! A user agent as FlexiAPI 2026 shows it: `APP/VERSION … (DEVICE)` gives
//! `app`, `version` and `device_name`; any other shape is all `app`.

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserAgent {
    pub app: String,
    pub version: String,
    pub device_name: String,
}

impl UserAgent {
    pub fn parse(raw: &str) -> Self {
        Self::split(raw).unwrap_or_else(|| Self {
            app: raw.to_owned(),
            ..Self::default()
        })
    }

    /// `APP` has no space or `/`; `VERSION` runs to the first space; the
    /// device is the text of the first parentheses after it.
    fn split(raw: &str) -> Option<Self> {
        let (app, rest) = raw.split_once('/')?;
        if app.is_empty() || app.contains(char::is_whitespace) {
            return None;
        }
        let version_end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let (version, rest) = rest.split_at(version_end);
        let open = rest.find('(')?;
        let close = open + rest[open..].find(')')?;
        if version.is_empty() {
            return None;
        }
        Some(Self {
            app: app.to_owned(),
            version: version.to_owned(),
            device_name: rest[open + 1..close].trim().to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(raw: &str) -> (String, String, String) {
        let ua = UserAgent::parse(raw);
        (ua.app, ua.version, ua.device_name)
    }

    #[test]
    fn app_version_and_device_or_all_app() {
        let linphone = "LinphoneAndroid/5.2.5 (Pixel 7) LinphoneSDK/5.3.47 (tags/5.3.47)";
        assert_eq!(
            parts(linphone),
            ("LinphoneAndroid".into(), "5.2.5".into(), "Pixel 7".into())
        );
        assert_eq!(
            parts("Linphone-Desktop/5.2.4 (Ubuntu 24.04) Qt/5.15"),
            (
                "Linphone-Desktop".into(),
                "5.2.4".into(),
                "Ubuntu 24.04".into()
            )
        );
        for other in [
            "MicroSIP/3.21.3",
            "",
            "Zoiper rv2.10",
            "/1.0 (x)",
            "a/ (x)",
            "a/1 (x",
        ] {
            assert_eq!(
                parts(other),
                (other.to_owned(), String::new(), String::new()),
                "{other:?}"
            );
        }
    }
}
