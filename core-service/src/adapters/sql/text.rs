//! [`Text`], how every string column is read.
//!
//! On MariaDB every string column has a binary collation (`utf8mb4_bin`):
//! comparisons and unique keys then go byte by byte, as on SQLite and
//! PostgreSQL, so `alice` and `Alice` are two accounts. MariaDB flags such a
//! column `BINARY` in a result, and sqlx then refuses to read it as a
//! `String` ("mismatched types"), although it is UTF-8 text all the same.
//! `Text` reads it, checking the UTF-8; on the other two backends it is a
//! `String`.

use sqlx::{
    decode::Decode, error::BoxDynError, mysql::MySql, postgres::Postgres, sqlite::Sqlite, Database,
    Type,
};

/// A string column's value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(in crate::adapters) struct Text(pub(in crate::adapters) String);

impl From<Text> for String {
    fn from(text: Text) -> Self {
        text.0
    }
}

/// SQLite and PostgreSQL: exactly a `String`.
macro_rules! as_string {
    ($($db:ty),*) => {$(
        impl Type<$db> for Text {
            fn type_info() -> <$db as Database>::TypeInfo {
                <String as Type<$db>>::type_info()
            }
            fn compatible(ty: &<$db as Database>::TypeInfo) -> bool {
                <String as Type<$db>>::compatible(ty)
            }
        }
        impl<'r> Decode<'r, $db> for Text {
            fn decode(value: <$db as Database>::ValueRef<'r>) -> Result<Self, BoxDynError> {
                <String as Decode<'r, $db>>::decode(value).map(Self)
            }
        }
    )*};
}

as_string!(Sqlite, Postgres);

/// The SQLite nonce file's connection (rusqlite) reads accounts too.
impl rusqlite::types::FromSql for Text {
    fn column_result(value: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
        String::column_result(value).map(Self)
    }
}

impl Type<MySql> for Text {
    fn type_info() -> <MySql as Database>::TypeInfo {
        <String as Type<MySql>>::type_info()
    }

    /// Any string column, binary collation or not (what `[u8]` accepts).
    fn compatible(ty: &<MySql as Database>::TypeInfo) -> bool {
        <[u8] as Type<MySql>>::compatible(ty)
    }
}

impl<'r> Decode<'r, MySql> for Text {
    fn decode(value: <MySql as Database>::ValueRef<'r>) -> Result<Self, BoxDynError> {
        // `&str`'s decoding checks the UTF-8 and ignores the flag.
        <&str as Decode<'r, MySql>>::decode(value).map(|text| Self(text.to_owned()))
    }
}
