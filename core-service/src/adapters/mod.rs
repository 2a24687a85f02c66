//! The adapters: what the rules' traits are implemented with. [`sql`] is
//! every store trait on SQLite, PostgreSQL and MariaDB; [`registrar`] reads
//! Flexisip's registrar in Redis. Coming ones (SMTP, push, SMS, files) live
//! here too, each behind the trait its domain defines.

pub mod registrar;
pub mod sql;

pub use sql::SqlStore;
