//! A space's app settings (contract part 5), from FlexiAPI's `spaces`
//! columns of the same names where the source has them (the feature flags
//! came in 1.6, the proxy address and custom entries later; FlexiAPI has
//! no transport column). A value this server refuses (an INI section
//! FlexiAPI's looser parser took, a proxy written as a SIP URI) is left out
//! with a note naming it, and the space takes the rest: an operator moving
//! in keeps what the apps are provisioned with.

use flexiapi_proto::app_settings::FEATURES;

use super::{report::Report, source::Source};
use crate::domain::app_settings::{AppChanges, AppInput};

/// FlexiAPI's `spaces` columns that feed the document, besides the features.
const OTHER_COLUMNS: [&str; 4] = [
    "account_proxy_registrar_address",
    "custom_provisioning_entries",
    "custom_provisioning_overwrite_all",
    "max_account",
];

/// The app-setting columns of a source's `spaces` table, among those known.
pub fn columns_of(spaces: &std::collections::HashSet<String>) -> Vec<&'static str> {
    OTHER_COLUMNS
        .into_iter()
        .chain(FEATURES.iter().map(|(key, _)| *key))
        .filter(|column| spaces.contains(*column))
        .collect()
}

/// One column's value as the input it stands for; `Err` says why not.
fn input_of<'a>(column: &'static str, value: Option<&'a str>) -> Result<AppInput<'a>, String> {
    let flag = || match value {
        Some("1") => Ok(true),
        Some("0") => Ok(false),
        other => Err(format!("{other:?} is not 0 or 1")),
    };
    let text = value.filter(|v| !v.is_empty());
    let mut input = AppInput::default();
    match column {
        "account_proxy_registrar_address" => input.proxy = Some(text),
        "custom_provisioning_entries" => input.custom_entries = Some(text),
        "custom_provisioning_overwrite_all" => input.overwrite_all = Some(flag()?),
        "max_account" => {
            let raw = value.unwrap_or("0");
            let count = raw
                .parse()
                .map_err(|_| format!("{raw:?} is not a number"))?;
            input.max_account = Some(count);
        }
        feature => input.features = vec![(feature, flag()?)],
    }
    Ok(input)
}

/// The settings of `domain`'s space at the source, each column checked on
/// its own.
pub async fn changes_of(
    source: &Source,
    columns: &[&'static str],
    domain: &str,
    report: &mut Report,
) -> anyhow::Result<AppChanges> {
    let Some(values) = source.space_columns(domain, columns).await? else {
        return Ok(AppChanges::default());
    };
    let mut taken = AppInput::default();
    for (column, value) in columns.iter().zip(&values) {
        let input = input_of(column, value.as_deref());
        match input.and_then(|input| {
            input
                .parse()
                .map(|_| input)
                .map_err(|error| error.to_string())
        }) {
            Ok(input) => merge(&mut taken, input),
            Err(why) => report.note(format!(
                "space {domain}: {column} left out (set it with PUT /api/spaces/{domain}): {why}"
            )),
        }
    }
    Ok(taken.parse()?)
}

fn merge<'a>(into: &mut AppInput<'a>, one: AppInput<'a>) {
    into.proxy = one.proxy.or(into.proxy);
    into.custom_entries = one.custom_entries.or(into.custom_entries);
    into.overwrite_all = one.overwrite_all.or(into.overwrite_all);
    into.max_account = one.max_account.or(into.max_account);
    into.features.extend(one.features);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_column_reads_as_its_setting() {
        assert_eq!(
            input_of("disable_chat_feature", Some("1"))
                .unwrap()
                .features,
            [("disable_chat_feature", true)]
        );
        assert_eq!(
            input_of("max_account", Some("3")).unwrap().max_account,
            Some(3)
        );
        assert_eq!(
            input_of("account_proxy_registrar_address", Some(""))
                .unwrap()
                .proxy,
            Some(None)
        );
        assert!(input_of("hide_settings", Some("yes")).is_err());
        assert!(input_of("max_account", Some("many")).is_err());
    }
}
