//! What Flexisip's registrar writes in Redis, read without any I/O, so it
//! can be table-tested and fuzzed on its own: [`binding`] parses one hash
//! value (a serialized Contact header) into a device, [`user_agent`] splits
//! a user agent the way FlexiAPI 2026 shows it. The format is described in
//! the project's `flexisip.md`, §1.

pub mod binding;
mod escape;
mod params;
pub mod user_agent;

pub use binding::{parse, Binding, BindingError};
pub use user_agent::UserAgent;
