//! A space's app settings (contract part 5): what the Linphone apps of its
//! accounts are provisioned with. The core never queries by them, so they
//! are stored as one JSON text column (`spaces.app_settings`), read whole
//! when a space is: a setting FlexiAPI adds later costs no migration, and a
//! row written before a key existed reads that key's default.

use std::net::{Ipv4Addr, Ipv6Addr};

use flexiapi_proto::app_settings::{FEATURES, TRANSPORTS};
use serde_json::{Map, Value};

use super::{ini::CustomEntries, Domain};
use crate::error::{CoreError, Result};

/// The settings of one space, each valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppSettings {
    /// `host`, `IPv4`, `[IPv6]`, with an optional `:port`; `None`: the domain.
    pub proxy: Option<String>,
    /// One of [`TRANSPORTS`].
    pub transport: &'static str,
    pub custom_entries: Option<CustomEntries>,
    pub overwrite_all: bool,
    /// In the order of [`FEATURES`].
    pub features: [bool; FEATURES.len()],
    /// 0: no limit.
    pub max_account: i64,
}

impl Default for AppSettings {
    fn default() -> Self {
        Self {
            proxy: None,
            transport: TRANSPORTS[0],
            custom_entries: None,
            overwrite_all: false,
            features: FEATURES.map(|(_, default)| default),
            max_account: 0,
        }
    }
}

/// The settings a creation or update gives: `None` is "not given".
#[derive(Debug, Default)]
pub struct AppInput<'a> {
    /// `Some(None)`: set to null.
    pub proxy: Option<Option<&'a str>>,
    pub transport: Option<&'a str>,
    pub custom_entries: Option<Option<&'a str>>,
    pub overwrite_all: Option<bool>,
    pub features: Vec<(&'a str, bool)>,
    pub max_account: Option<i64>,
}

/// [`AppInput`] checked: applied to the stored settings inside the update's
/// transaction, so concurrent updates of different keys both stay.
#[derive(Debug, Default)]
pub struct AppChanges {
    proxy: Option<Option<String>>,
    transport: Option<&'static str>,
    custom_entries: Option<Option<CustomEntries>>,
    overwrite_all: Option<bool>,
    features: Vec<(usize, bool)>,
    max_account: Option<i64>,
}

impl AppInput<'_> {
    /// Every broken field reported at once.
    pub fn parse(&self) -> Result<AppChanges> {
        let proxy = self
            .proxy
            .map(|given| given.map(parse_proxy).transpose())
            .transpose();
        let transport = self.transport.map(parse_transport).transpose();
        let custom = self
            .custom_entries
            .map(|given| given.map(CustomEntries::parse).transpose())
            .transpose();
        let features: Result<Vec<(usize, bool)>> = self
            .features
            .iter()
            .map(|(key, on)| feature_index(key).map(|index| (index, *on)))
            .collect();
        let max_account = match self.max_account {
            Some(n) if n < 0 => Err(CoreError::invalid(
                "max_account",
                "must be 0 (no limit) or more",
            )),
            other => Ok(other),
        };
        match (proxy, transport, custom, features, max_account) {
            (Ok(proxy), Ok(transport), Ok(custom_entries), Ok(features), Ok(max_account)) => {
                Ok(AppChanges {
                    proxy,
                    transport,
                    custom_entries,
                    overwrite_all: self.overwrite_all,
                    features,
                    max_account,
                })
            }
            (p, t, c, f, m) => Err(CoreError::merge([
                p.err(),
                t.err(),
                c.err(),
                f.err(),
                m.err(),
            ])),
        }
    }
}

impl AppChanges {
    pub fn is_empty(&self) -> bool {
        self.proxy.is_none()
            && self.transport.is_none()
            && self.custom_entries.is_none()
            && self.overwrite_all.is_none()
            && self.features.is_empty()
            && self.max_account.is_none()
    }

    /// The stored column with these changes applied.
    pub fn apply_to_json(&self, stored: &str) -> anyhow::Result<String> {
        let mut settings = AppSettings::from_json(stored)?;
        self.apply(&mut settings);
        Ok(settings.to_json())
    }

    pub fn apply(&self, settings: &mut AppSettings) {
        if let Some(proxy) = &self.proxy {
            settings.proxy.clone_from(proxy);
        }
        if let Some(transport) = self.transport {
            settings.transport = transport;
        }
        if let Some(custom) = &self.custom_entries {
            settings.custom_entries.clone_from(custom);
        }
        if let Some(all) = self.overwrite_all {
            settings.overwrite_all = all;
        }
        for (index, on) in &self.features {
            settings.features[*index] = *on;
        }
        if let Some(max) = self.max_account {
            settings.max_account = max;
        }
    }
}

fn feature_index(key: &str) -> Result<usize> {
    FEATURES
        .iter()
        .position(|(name, _)| *name == key)
        .ok_or_else(|| CoreError::invalid("features", format!("has no key {key:?}")))
}

fn parse_transport(raw: &str) -> Result<&'static str> {
    TRANSPORTS
        .into_iter()
        .find(|t| *t == raw)
        .ok_or_else(|| CoreError::invalid("account_transport", "must be udp, tcp or tls"))
}

/// A host name, an IPv4 address or a bracketed IPv6 address (without an
/// embedded IPv4 part), with an optional `:port` of 1 to 65535: what a SIP
/// URI's hostport may hold, at most 253 characters. The OpenAPI document
/// states the same as a pattern (`rest-gateway/src/openapi/spaces.rs`).
pub fn parse_proxy(raw: &str) -> Result<String> {
    let invalid = || {
        CoreError::invalid(
            "account_proxy_registrar_address",
            "must be a host name, an IPv4 address or an [IPv6] address, with an optional :port (1-65535)",
        )
    };
    if raw.len() > 253 {
        return Err(invalid());
    }
    let (host, port) = match raw.strip_prefix('[') {
        Some(rest) => {
            let (v6, after) = rest.split_once(']').ok_or_else(invalid)?;
            if v6.contains('.') {
                return Err(invalid());
            }
            v6.parse::<Ipv6Addr>().map_err(|_| invalid())?;
            let port = match after {
                "" => None,
                _ => Some(after.strip_prefix(':').ok_or_else(invalid)?),
            };
            (None, port)
        }
        None => match raw.rsplit_once(':') {
            Some((host, port)) => (Some(host), Some(port)),
            None => (Some(raw), None),
        },
    };
    if let Some(host) = host {
        let is_v4 = host.parse::<Ipv4Addr>().is_ok();
        if !is_v4 && Domain::parse(host).is_err() {
            return Err(invalid());
        }
    }
    if let Some(port) = port {
        let valid = !port.starts_with('0') && port.parse::<u16>().is_ok_and(|p| p > 0);
        if !valid || !port.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid());
        }
    }
    Ok(raw.to_ascii_lowercase())
}

impl AppSettings {
    /// The column's text: every key, by its contract name.
    pub fn to_json(&self) -> String {
        let mut map = Map::new();
        map.insert(
            "account_proxy_registrar_address".into(),
            self.proxy.clone().map_or(Value::Null, Value::String),
        );
        map.insert("account_transport".into(), self.transport.into());
        map.insert(
            "custom_provisioning_entries".into(),
            self.custom_entries
                .as_ref()
                .map_or(Value::Null, |c| c.text().into()),
        );
        map.insert(
            "custom_provisioning_overwrite_all".into(),
            self.overwrite_all.into(),
        );
        for ((key, _), on) in FEATURES.iter().zip(self.features) {
            map.insert((*key).into(), on.into());
        }
        map.insert("max_account".into(), self.max_account.into());
        Value::Object(map).to_string()
    }

    /// The column read back; a key it lacks has its default. A value no
    /// update could have written is an error naming it.
    pub fn from_json(text: &str) -> anyhow::Result<Self> {
        let value: Value = serde_json::from_str(text)?;
        let map = value
            .as_object()
            .ok_or_else(|| anyhow::anyhow!("app settings are not an object"))?;
        let text_of = |key: &str| map.get(key).and_then(Value::as_str);
        let bool_of = |key: &str| map.get(key).and_then(Value::as_bool);
        let input = AppInput {
            proxy: Some(text_of("account_proxy_registrar_address")),
            transport: text_of("account_transport"),
            custom_entries: Some(text_of("custom_provisioning_entries")),
            overwrite_all: bool_of("custom_provisioning_overwrite_all"),
            features: FEATURES
                .iter()
                .filter_map(|(key, _)| bool_of(key).map(|on| (*key, on)))
                .collect(),
            max_account: map.get("max_account").and_then(Value::as_i64),
        };
        let changes = input
            .parse()
            .map_err(|error| anyhow::anyhow!("stored app settings: {error}"))?;
        let mut settings = Self::default();
        changes.apply(&mut settings);
        Ok(settings)
    }

    /// A feature's value by key (`None` for an unknown key).
    pub fn feature(&self, key: &str) -> Option<bool> {
        feature_index(key).ok().map(|index| self.features[index])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::tests::field_of;

    #[test]
    fn proxies_are_host_ports() {
        for good in [
            "sip.example.org",
            "SIP.example.org:5061",
            "192.0.2.1",
            "192.0.2.1:5060",
            "[2001:db8::1]",
            "[2001:db8::1]:5061",
            "proxy:65535",
        ] {
            assert!(parse_proxy(good).is_ok(), "{good:?}");
        }
        for bad in [
            "",
            "sip.example.org:0",
            "sip.example.org:65536",
            "sip.example.org:",
            "sip.example.org:05060",
            "[2001:db8::1",
            "[2001:db8::1]5060",
            "[not-v6]",
            "[::ffff:192.0.2.1]",
            "2001:db8::1",
            "a b",
            "sip:proxy.example.org",
            "<sip:x>",
        ] {
            assert_eq!(
                field_of(parse_proxy(bad)),
                "account_proxy_registrar_address",
                "{bad:?}"
            );
        }
    }

    #[test]
    fn changes_apply_only_what_was_given() {
        let mut settings = AppSettings::default();
        assert!(settings.feature("disable_broadcast_feature").unwrap());
        let changes = AppInput {
            transport: Some("udp"),
            features: vec![("hide_settings", true)],
            proxy: Some(Some("proxy.example.org:5060")),
            ..AppInput::default()
        }
        .parse()
        .unwrap();
        changes.apply(&mut settings);
        assert_eq!(settings.transport, "udp");
        assert_eq!(settings.feature("hide_settings"), Some(true));
        assert_eq!(settings.proxy.as_deref(), Some("proxy.example.org:5060"));
        AppInput {
            proxy: Some(None),
            ..AppInput::default()
        }
        .parse()
        .unwrap()
        .apply(&mut settings);
        assert_eq!(settings.proxy, None);
        assert_eq!(settings.transport, "udp");
    }

    #[test]
    fn every_broken_field_is_named() {
        let refused = AppInput {
            transport: Some("sctp"),
            features: vec![("max_accounts", true)],
            max_account: Some(-1),
            ..AppInput::default()
        }
        .parse();
        let Err(CoreError::InvalidArgument(violations)) = refused else {
            panic!("accepted")
        };
        let fields: Vec<_> = violations.iter().map(|v| v.field.as_ref()).collect();
        assert_eq!(fields, ["account_transport", "features", "max_account"]);
    }

    #[test]
    fn the_column_round_trips_and_missing_keys_are_defaults() {
        let mut settings = AppSettings::default();
        AppInput {
            custom_entries: Some(Some("[sip]\nx = 1")),
            overwrite_all: Some(true),
            max_account: Some(3),
            ..AppInput::default()
        }
        .parse()
        .unwrap()
        .apply(&mut settings);
        assert_eq!(
            AppSettings::from_json(&settings.to_json()).unwrap(),
            settings
        );
        assert_eq!(
            AppSettings::from_json("{}").unwrap(),
            AppSettings::default()
        );
        assert!(AppSettings::from_json(r#"{"account_transport":"sctp"}"#).is_err());
    }
}
