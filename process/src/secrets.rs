//! Secrets from a mounted file: for each variable `VAR` that carries one
//! (a database URL with its password, a bearer token), `VAR_FILE` may name
//! a file holding it instead, as Kubernetes mounts a Secret and as the
//! official database images do. The value then stays out of the process's
//! environment listing and out of `ps`.

use anyhow::Context as _;

/// For each of `vars` left unset whose `VAR_FILE` is set, reads that file
/// (one trailing line break dropped) into `VAR`, so the flag parser finds it
/// where it looks. Both set is an error: which one counts would be a guess.
///
/// Call it first thing in `main`, before any thread starts: it writes the
/// process environment.
pub fn load_file_variables(vars: &[&str]) -> anyhow::Result<()> {
    for var in vars {
        let file_var = format!("{var}_FILE");
        let Some(path) = std::env::var_os(&file_var) else {
            continue;
        };
        anyhow::ensure!(
            std::env::var_os(var).is_none(),
            "both {var} and {file_var} are set: give one"
        );
        let value = read_secret(std::path::Path::new(&path))
            .with_context(|| format!("{file_var}={}", path.to_string_lossy()))?;
        std::env::set_var(var, value);
    }
    Ok(())
}

/// The secret a file holds: its text without one trailing line break (what
/// `echo` and editors add), refused when empty or not UTF-8.
pub fn read_secret(path: &std::path::Path) -> anyhow::Result<String> {
    let bytes = std::fs::read(path).context("cannot read the file")?;
    let text = String::from_utf8(bytes).map_err(|_| anyhow::anyhow!("the file is not UTF-8"))?;
    let value = text
        .strip_suffix("\r\n")
        .or_else(|| text.strip_suffix('\n'))
        .unwrap_or(&text);
    anyhow::ensure!(!value.trim().is_empty(), "the file is empty");
    Ok(value.to_owned())
}

#[cfg(test)]
mod tests {
    use std::io::Write as _;

    use super::*;

    fn file(contents: &[u8]) -> tempfile::NamedTempFile {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all(contents).unwrap();
        file
    }

    #[test]
    fn a_file_gives_its_text_without_the_last_line_break() {
        for (contents, expected) in [
            (&b"postgres://u:p@db/x\n"[..], "postgres://u:p@db/x"),
            (b"token\r\n", "token"),
            (b"token", "token"),
            (b" spaced token \n\n", " spaced token \n"),
        ] {
            assert_eq!(read_secret(file(contents).path()).unwrap(), expected);
        }
    }

    #[test]
    fn an_empty_unreadable_or_binary_file_is_refused() {
        for (contents, reason) in [
            (&b"\n"[..], "empty"),
            (b"", "empty"),
            (b"\xff\xfe", "not UTF-8"),
        ] {
            let error = read_secret(file(contents).path()).unwrap_err();
            assert!(error.to_string().contains(reason), "{error}");
        }
        let error = read_secret(std::path::Path::new("/nonexistent/secret")).unwrap_err();
        assert!(error.to_string().contains("cannot read"), "{error}");
    }

    // One test touches the environment, so no two race on it.
    #[test]
    fn variables_are_filled_from_their_file_and_both_is_an_error() {
        let secret = file(b"s3cret\n");
        std::env::set_var("FLEXIAPI_SECRETS_TEST_FILE", secret.path());
        std::env::remove_var("FLEXIAPI_SECRETS_TEST");
        load_file_variables(&["FLEXIAPI_SECRETS_TEST", "FLEXIAPI_SECRETS_UNSET"]).unwrap();
        assert_eq!(std::env::var("FLEXIAPI_SECRETS_TEST").unwrap(), "s3cret");

        let error = load_file_variables(&["FLEXIAPI_SECRETS_TEST"]).unwrap_err();
        assert!(
            error.to_string().contains("both FLEXIAPI_SECRETS_TEST and"),
            "{error}"
        );
        std::env::remove_var("FLEXIAPI_SECRETS_TEST");
        std::env::set_var("FLEXIAPI_SECRETS_TEST_FILE", "/nonexistent/secret");
        let error = format!(
            "{:#}",
            load_file_variables(&["FLEXIAPI_SECRETS_TEST"]).unwrap_err()
        );
        assert!(
            error.contains("FLEXIAPI_SECRETS_TEST_FILE=/nonexistent/secret"),
            "{error}"
        );
        assert!(!error.contains("s3cret"));
        std::env::remove_var("FLEXIAPI_SECRETS_TEST_FILE");
    }
}
