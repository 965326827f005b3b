//! Wire types: the only place that derives `Serialize`. Each submodule's doc is the
//! specification of its format.

pub mod parse;
