//! The one place where the SQL of SQLite and PostgreSQL becomes MariaDB's
//! (and MySQL's). Every statement is written once, in the dialect the first
//! two share; [`mysql`] rewrites the few constructs MariaDB spells
//! differently, so a rule lives in a single statement on all three.
//!
//! What it rewrites, and nothing else:
//! - `$n` placeholders become `?`. MariaDB binds by position, so a statement
//!   must use `$1`, `$2`, … once each and in order; the statements are
//!   written that way (a repeated value is bound twice).
//! - `CAST(x AS TEXT | BIGINT | BOOLEAN)` become `CHAR` / `SIGNED`.
//! - `ON CONFLICT (…) DO NOTHING` becomes a no-op `ON DUPLICATE KEY UPDATE`,
//!   and `ON CONFLICT (…) DO UPDATE SET c = excluded.c` becomes
//!   `ON DUPLICATE KEY UPDATE c = VALUES(c)`. (Not `INSERT IGNORE`: it would
//!   also turn a foreign-key or a too-long value into a warning.)
//!
//! `RETURNING` is not used in any statement the three share: MySQL 8 has
//! none, and MariaDB has none on UPDATE.

use std::borrow::Cow;

/// The statement in MariaDB's dialect.
pub fn mysql(sql: &str) -> Cow<'_, str> {
    let mut out = placeholders(sql);
    for (from, to) in [
        (" AS TEXT)", " AS CHAR)"),
        (" AS BIGINT)", " AS SIGNED)"),
        (" AS BOOLEAN)", " AS SIGNED)"),
    ] {
        if out.contains(from) {
            out = out.replace(from, to);
        }
    }
    if out.contains("ON CONFLICT") {
        out = upserts(&out);
    }
    if out == sql {
        Cow::Borrowed(sql)
    } else {
        Cow::Owned(out)
    }
}

/// `$1`, `$2`, … as `?`, checked to be in order (debug builds; every
/// statement runs in the MariaDB tests).
fn placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.char_indices().peekable();
    let mut expected = 1u32;
    while let Some((_, c)) = chars.next() {
        if c != '$' {
            out.push(c);
            continue;
        }
        let mut number = 0u32;
        let mut digits = 0;
        while let Some(&(_, d)) = chars.peek() {
            let Some(value) = d.to_digit(10) else { break };
            number = number * 10 + value;
            digits += 1;
            chars.next();
        }
        if digits == 0 {
            out.push('$');
            continue;
        }
        debug_assert_eq!(number, expected, "placeholders out of order in: {sql}");
        expected += 1;
        out.push('?');
    }
    out
}

/// `ON CONFLICT (cols) DO NOTHING | DO UPDATE SET …` as MariaDB's upsert.
fn upserts(sql: &str) -> String {
    let Some(start) = sql.find("ON CONFLICT (") else {
        return sql.to_owned();
    };
    let Some(close) = sql[start..].find(')').map(|i| start + i) else {
        return sql.to_owned();
    };
    let columns = &sql[start + "ON CONFLICT (".len()..close];
    let rest = sql[close + 1..].trim_start();
    let head = &sql[..start];
    if let Some(tail) = rest.strip_prefix("DO NOTHING") {
        let first = columns.split(',').next().unwrap_or(columns).trim();
        return format!("{head}ON DUPLICATE KEY UPDATE {first} = {first}{tail}");
    }
    let Some(assignments) = rest.strip_prefix("DO UPDATE SET") else {
        return sql.to_owned();
    };
    format!(
        "{head}ON DUPLICATE KEY UPDATE{}",
        excluded_as_values(assignments)
    )
}

/// `excluded.col` as `VALUES(col)`.
fn excluded_as_values(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut rest = sql;
    while let Some(at) = rest.find("excluded.") {
        out.push_str(&rest[..at]);
        let after = &rest[at + "excluded.".len()..];
        let end = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(after.len());
        out.push_str(&format!("VALUES({})", &after[..end]));
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::mysql;

    #[test]
    fn placeholders_become_positional() {
        assert_eq!(
            mysql("SELECT a FROM t WHERE b = $1 AND c < $2"),
            "SELECT a FROM t WHERE b = ? AND c < ?"
        );
        // A dollar that is not a placeholder stays.
        assert_eq!(mysql("SELECT '$' FROM t"), "SELECT '$' FROM t");
    }

    #[test]
    #[should_panic(expected = "out of order")]
    #[cfg(debug_assertions)]
    fn a_repeated_placeholder_is_caught() {
        let _ = mysql("SELECT a FROM t WHERE b = $1 OR c = $1");
    }

    #[test]
    fn casts_take_mariadb_type_names() {
        assert_eq!(
            mysql("SELECT CAST($1 AS TEXT), CAST($2 AS BIGINT), CAST($3 AS BOOLEAN)"),
            "SELECT CAST(? AS CHAR), CAST(? AS SIGNED), CAST(? AS SIGNED)"
        );
    }

    #[test]
    fn upserts_become_on_duplicate_key() {
        assert_eq!(
            mysql("INSERT INTO d (u, v) VALUES ($1, $2) ON CONFLICT (u, v) DO NOTHING"),
            "INSERT INTO d (u, v) VALUES (?, ?) ON DUPLICATE KEY UPDATE u = u"
        );
        assert_eq!(
            mysql(
                "INSERT INTO k (a, b, c) VALUES ($1, $2, $3) ON CONFLICT (a, b) \
                 DO UPDATE SET c = excluded.c, b_at = excluded.b_at"
            ),
            "INSERT INTO k (a, b, c) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE c = VALUES(c), \
             b_at = VALUES(b_at)"
        );
    }

    #[test]
    fn a_statement_without_dialect_is_borrowed() {
        assert!(matches!(
            mysql("SELECT 1"),
            std::borrow::Cow::Borrowed("SELECT 1")
        ));
    }
}
