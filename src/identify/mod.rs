//! Device identification: who really made an endpoint, what it is, and why we think so.
//!
//! Pure: an [`Identifier`] is built once from the rules and OUI tables (embedded, plus
//! optional user rules) and then maps an [`Endpoint`] to an [`Identity`] with the list of
//! [`Evidence`] behind the verdict. No I/O, no clock.

mod class;
mod confidence;
mod evidence;
mod label;
pub mod mac;
pub mod oui;
pub mod rules;
mod verdict;

pub use class::Class;
pub use confidence::Confidence;
pub use evidence::{Evidence, EvidenceKind};
pub use mac::{Mac, MacSighting, MacSource};
pub use oui::OuiTable;
pub use rules::{RuleError, RuleSet};

use std::sync::Arc;

use crate::wsd::{Endpoint, Message};

/// The families on the default watchlist: the makers named by US NDAA FY2019 s.889 and
/// the FCC Covered List (with their affiliates and OEM brands folded into the family).
pub const DEFAULT_WATCHLIST: [&str; 5] = ["hikvision", "dahua", "hytera", "huawei", "zte"];

/// What an endpoint is and who made it: the summary a device record keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub class: Class,
    /// The maker label as announced (name/ scope without the model, or
    /// `type/manufacturer/<X>`), when there is one.
    pub manufacturer: Option<String>,
    /// The label the unit is sold under, when the evidence tells it.
    pub brand: Option<String>,
    /// The true maker, lower-case (`hikvision`, `dahua`, `axis`, ...).
    pub family: Option<String>,
    pub model: Option<String>,
    pub confidence: Confidence,
    /// Evidence of other families was found too.
    pub conflict: bool,
    pub watchlist: bool,
}

impl Verdict {
    /// No verdict yet (before identification).
    pub fn unknown() -> Verdict {
        Verdict {
            class: Class::Unknown,
            manufacturer: None,
            brand: None,
            family: None,
            model: None,
            confidence: Confidence::Unknown,
            conflict: false,
            watchlist: false,
        }
    }
}

/// The verdict for one endpoint, with everything behind it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub verdict: Verdict,
    pub evidence: Vec<Evidence>,
    pub macs: Vec<MacSighting>,
}

/// Which verdicts are watchlisted: by true maker family, or by the brand a unit is sold
/// under (both compared case-insensitively).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Watchlist {
    pub families: Vec<String>,
    pub brands: Vec<String>,
}

impl Watchlist {
    /// The default: [`DEFAULT_WATCHLIST`] families.
    pub fn default_families() -> Watchlist {
        Watchlist {
            families: DEFAULT_WATCHLIST.iter().map(|s| s.to_string()).collect(),
            brands: Vec::new(),
        }
    }

    fn lower(self) -> Watchlist {
        let low = |v: Vec<String>| v.into_iter().map(|s| s.to_lowercase()).collect();
        Watchlist {
            families: low(self.families),
            brands: low(self.brands),
        }
    }

    fn matches(&self, family: Option<&str>, brand: Option<&str>) -> bool {
        family.is_some_and(|f| self.families.iter().any(|w| w == f))
            || brand.is_some_and(|b| self.brands.iter().any(|w| w.eq_ignore_ascii_case(b)))
    }
}

/// An operator's verdict for one device (by EPR or MAC), verified by hand. It wins over
/// the rules, is shown as `override` evidence with its note, and the other evidence stays
/// visible.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    /// Normalised EPR (see `wsd::normalise_epr`).
    pub epr: Option<String>,
    pub mac: Option<Mac>,
    pub family: Option<String>,
    pub brand: Option<String>,
    pub note: String,
}

impl Override {
    fn matches(&self, endpoint: &Endpoint, macs: &[MacSighting]) -> bool {
        self.epr.as_deref() == Some(endpoint.epr.key.as_str())
            || self.mac.is_some_and(|m| macs.iter().any(|s| s.mac == m))
    }

    fn evidence(&self) -> Evidence {
        let by = match (&self.epr, self.mac) {
            (Some(e), _) => format!("EPR {e}"),
            (None, Some(m)) => format!("MAC {m}"),
            (None, None) => String::new(),
        };
        Evidence {
            kind: EvidenceKind::Override,
            source: format!("operator override for {by}"),
            rule: Arc::from("[[overrides]]"),
            origin: Arc::from("config"),
            family: self.family.as_deref().map(Arc::from),
            brand: self.brand.as_deref().map(Arc::from),
            confidence: Confidence::High,
            note: Arc::from(self.note.as_str()),
        }
    }
}

/// Rules + OUI table + watchlist + overrides, ready to identify endpoints.
#[derive(Debug, Clone)]
pub struct Identifier {
    rules: RuleSet,
    oui: OuiTable,
    watchlist: Watchlist,
    overrides: Vec<Override>,
}

impl Identifier {
    pub fn new(rules: RuleSet, oui: OuiTable, watchlist: Watchlist) -> Identifier {
        Identifier {
            rules,
            oui,
            watchlist: watchlist.lower(),
            overrides: Vec::new(),
        }
    }

    /// The same tables with operator overrides.
    pub fn with_overrides(self, overrides: Vec<Override>) -> Identifier {
        Identifier { overrides, ..self }
    }

    /// The same tables with another watchlist.
    pub fn with_watchlist(self, watchlist: Watchlist) -> Identifier {
        Identifier {
            watchlist: watchlist.lower(),
            ..self
        }
    }

    /// Built-in rules and OUI table, default watchlist.
    pub fn builtin() -> Result<Identifier, RuleError> {
        Identifier::with_user_rules(&[])
    }

    /// Built-in tables plus user rule files given as `(origin, text)` (read by the caller).
    pub fn with_user_rules(user: &[(&str, &str)]) -> Result<Identifier, RuleError> {
        let mut sources = vec![("builtin", rules::BUILTIN_RULES)];
        sources.extend_from_slice(user);
        Ok(Identifier::new(
            RuleSet::from_sources(&sources)?,
            OuiTable::builtin()?,
            Watchlist::default_families(),
        ))
    }

    /// The identity of every endpoint of a message, in order (`[i]` is `endpoints()[i]`).
    pub fn identify_all(&self, message: &Message) -> Vec<Identity> {
        message
            .endpoints()
            .iter()
            .map(|e| self.identify(e))
            .collect()
    }

    pub fn identify(&self, endpoint: &Endpoint) -> Identity {
        let labels = label::Labels::of(endpoint);
        let macs = mac::macs(endpoint);
        let found = evidence::collect(&self.rules, &self.oui, endpoint, &labels, &macs);
        let class = class::classify(endpoint, &found.recorder);
        let mut v = verdict::decide(&found.items);
        let mut items = found.items;
        if let Some(o) = self.overrides.iter().find(|o| o.matches(endpoint, &macs)) {
            v.family = o.family.clone().or(v.family);
            v.brand = o.brand.clone().or(v.brand);
            v.confidence = Confidence::High;
            items.insert(0, o.evidence());
        }
        let watchlist = self
            .watchlist
            .matches(v.family.as_deref(), v.brand.as_deref());
        Identity {
            verdict: Verdict {
                class,
                manufacturer: labels.manufacturer.map(|(s, _)| s),
                brand: v.brand,
                family: v.family,
                model: labels.model.map(|(s, _)| s),
                confidence: v.confidence,
                conflict: v.conflict,
                watchlist,
            },
            evidence: items.into_iter().chain(found.recorder).collect(),
            macs,
        }
    }
}

#[cfg(test)]
mod tests;
