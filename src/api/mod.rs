//! Wire types: the only place that derives `Serialize`. Each submodule's doc is the
//! specification of its format.

pub mod parse;
pub mod query;
pub mod time;
pub mod wire;
