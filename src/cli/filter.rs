//! Filter flags shared by `devices`, `count`, `summary` and `export`.

use clap::Args;

use crate::api::wire::{Filter, TimeArg};

#[derive(Debug, Clone, Default, Args)]
pub struct FilterArgs {
    /// True maker family, e.g. hikvision,dahua ("none": unidentified).
    #[arg(long, value_delimiter = ',', value_name = "LIST")]
    pub family: Vec<String>,
    /// Brand the unit is sold under (e.g. EZVIZ, Amcrest).
    #[arg(long, value_delimiter = ',', value_name = "LIST")]
    pub brand: Vec<String>,
    /// Manufacturer label as announced.
    #[arg(long, value_delimiter = ',', value_name = "LIST")]
    pub manufacturer: Vec<String>,
    /// Model, exactly (case-insensitive); use --text for a substring.
    #[arg(long, value_delimiter = ',', value_name = "LIST")]
    pub model: Vec<String>,
    /// camera, recorder, onvif_other, host, unknown.
    #[arg(long, value_delimiter = ',', value_name = "LIST")]
    pub class: Vec<String>,
    /// active, stale, departed.
    #[arg(long, value_delimiter = ',', value_name = "LIST")]
    pub status: Vec<String>,
    /// Heard on one of these interfaces.
    #[arg(long, value_delimiter = ',', value_name = "LIST")]
    pub interface: Vec<String>,
    /// Site label.
    #[arg(long, value_delimiter = ',', value_name = "LIST")]
    pub site: Vec<String>,
    /// Only watchlisted devices (--watchlist=false: only the others).
    #[arg(long, num_args = 0..=1, default_missing_value = "true", value_name = "BOOL")]
    pub watchlist: Option<bool>,
    /// Last seen at or after this time: RFC 3339 or an age (7d, 12h).
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Last seen before this time: RFC 3339 or an age.
    #[arg(long, value_name = "TIME")]
    pub before: Option<String>,
    /// Substring of the name, model, EPR, addresses or MACs.
    #[arg(long, value_name = "TEXT")]
    pub text: Option<String>,
}

impl FilterArgs {
    pub fn to_filter(&self) -> Filter {
        Filter {
            family: self.family.clone(),
            brand: self.brand.clone(),
            manufacturer: self.manufacturer.clone(),
            model: self.model.clone(),
            class: self.class.clone(),
            status: self.status.clone(),
            interface: self.interface.clone(),
            site: self.site.clone(),
            watchlist: self.watchlist,
            seen_since: self.since.clone().map(TimeArg),
            seen_before: self.before.clone().map(TimeArg),
            text: self.text.clone(),
        }
    }
}
