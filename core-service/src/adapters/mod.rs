//! The adapters: what the rules' traits are implemented with. [`sql`] is
//! every store trait on SQLite, PostgreSQL and MariaDB; [`registrar`] reads
//! Flexisip's registrar in Redis; [`delivery`] sends pushes, mails and SMS.
//! Coming ones (files) live here too, each behind the trait its domain
//! defines.

pub mod delivery;
pub mod registrar;
pub mod sql;

pub use sql::SqlStore;
