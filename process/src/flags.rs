//! The flags operators look up: each service's tests check that every flag
//! and its variable are in `docs/configuration.md`.

/// The `--flag`s and variables of `command` that `docs` does not name (a
/// flag as `` `--name``, so `` `--name VALUE` `` counts too).
pub fn undocumented(command: &clap::Command, docs: &str) -> Vec<String> {
    let mut missing = Vec::new();
    for argument in command.get_arguments() {
        let Some(long) = argument.get_long() else {
            continue;
        };
        if !docs.contains(&format!("`--{long}")) {
            missing.push(format!("--{long}"));
        }
        if let Some(env) = argument.get_env() {
            let env = env.to_string_lossy();
            if !docs.contains(env.as_ref()) {
                missing.push(env.into_owned());
            }
        }
    }
    missing
}

#[cfg(test)]
mod tests {
    use super::undocumented;

    #[test]
    fn flags_and_variables_missing_from_the_docs_are_named() {
        let command = clap::Command::new("x")
            .arg(clap::Arg::new("a").long("alpha").env("X_ALPHA"))
            .arg(clap::Arg::new("b").long("beta"));
        let docs = "| `--alpha` | `X_ALPHA` |";
        assert_eq!(undocumented(&command, docs), ["--beta"]);
        assert_eq!(undocumented(&command, ""), ["--alpha", "X_ALPHA", "--beta"]);
    }
}
