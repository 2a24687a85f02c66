//! The adapters: what the rules' traits are implemented with. [`sql`] is
//! every store trait on SQLite, PostgreSQL and MariaDB; [`registrar`] reads
//! Flexisip's registrar in Redis; [`delivery`] sends pushes, mails and SMS;
//! [`files`] keeps uploaded files on disk (the gRPC edge streams into it,
//! the rules name the files).

pub mod delivery;
pub mod files;
pub mod registrar;
pub mod sql;

pub use sql::SqlStore;
