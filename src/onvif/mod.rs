//! ONVIF discovery scopes: `onvif://www.onvif.org/<category>/<value...>`.
//!
//! Categories are matched case-insensitively; values are percent-decoded (lossy UTF-8) and
//! keep their full sub-path (`location/country/china` has the value `country/china`).
//! Every scope keeps its raw text; non-ONVIF scopes are kept raw only.

mod placeholder;

pub use placeholder::is_placeholder;

use percent_encoding::percent_decode_str;

/// The scheme and authority every ONVIF scope starts with.
pub const ONVIF_PREFIX: &str = "onvif://www.onvif.org/";

/// One scope token as sent, with its ONVIF reading when it is an ONVIF scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub raw: String,
    pub onvif: Option<OnvifScope>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnvifScope {
    pub category: Category,
    /// The decoded value: everything after `<category>/`, percent-decoded. May be empty.
    pub value: String,
}

/// ONVIF scope categories we interpret. Anything else is `Other` with its name as sent.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Category {
    Name,
    Hardware,
    Location,
    Type,
    Profile,
    /// `MAC/` or (since 2023) `MacAddress/`.
    Mac,
    SerialNumber,
    Extension,
    Other(String),
}

impl Category {
    fn from_str(s: &str) -> Category {
        const KNOWN: [(&str, Category); 9] = [
            ("name", Category::Name),
            ("hardware", Category::Hardware),
            ("location", Category::Location),
            ("type", Category::Type),
            ("profile", Category::Profile),
            ("mac", Category::Mac),
            ("macaddress", Category::Mac),
            ("serialnumber", Category::SerialNumber),
            ("extension", Category::Extension),
        ];
        KNOWN
            .into_iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(s))
            .map_or_else(|| Category::Other(s.to_string()), |(_, c)| c)
    }

    /// Canonical spelling, e.g. for display (`Other` keeps the sender's spelling).
    pub fn as_str(&self) -> &str {
        match self {
            Category::Name => "name",
            Category::Hardware => "hardware",
            Category::Location => "location",
            Category::Type => "type",
            Category::Profile => "Profile",
            Category::Mac => "MAC",
            Category::SerialNumber => "SerialNumber",
            Category::Extension => "extension",
            Category::Other(s) => s,
        }
    }
}

impl Scope {
    pub fn parse(raw: &str) -> Scope {
        Scope {
            raw: raw.to_string(),
            onvif: OnvifScope::parse(raw),
        }
    }

    /// `category/value` with the canonical category and decoded value, for matching.
    pub fn category_value(&self) -> Option<String> {
        let s = self.onvif.as_ref()?;
        Some(format!("{}/{}", s.category.as_str(), s.value))
    }
}

impl OnvifScope {
    pub fn parse(raw: &str) -> Option<OnvifScope> {
        let head = raw.get(..ONVIF_PREFIX.len())?;
        if !head.eq_ignore_ascii_case(ONVIF_PREFIX) {
            return None;
        }
        let rest = &raw[ONVIF_PREFIX.len()..];
        let (category, value) = rest.split_once('/').unwrap_or((rest, ""));
        if category.is_empty() {
            return None;
        }
        Some(OnvifScope {
            category: Category::from_str(category),
            value: percent_decode_str(value).decode_utf8_lossy().into_owned(),
        })
    }
}

/// The decoded values of one category, in the order sent.
pub fn values<'s>(scopes: &'s [Scope], category: &'s Category) -> impl Iterator<Item = &'s str> {
    scopes
        .iter()
        .filter_map(|s| s.onvif.as_ref())
        .filter(move |s| &s.category == category)
        .map(|s| s.value.as_str())
}

/// The first non-empty value of a category.
pub fn first<'s>(scopes: &'s [Scope], category: &'s Category) -> Option<&'s str> {
    values(scopes, category)
        .map(str::trim)
        .find(|v| !v.is_empty())
}

/// The first value of a category that is neither empty nor a known placeholder.
pub fn informative<'s>(scopes: &'s [Scope], category: &'s Category) -> Option<&'s str> {
    values(scopes, category)
        .map(str::trim)
        .find(|v| !v.is_empty() && !is_placeholder(v))
}

#[cfg(test)]
mod tests;
