//! The announced labels of an endpoint: manufacturer and model, derived per vendor habit
//! (`name/` is user-editable and may hold "VENDOR MODEL", a model alone, or a placeholder).

use crate::onvif::{self, Category};
use crate::wsd::Endpoint;

/// Which scope a label came from (for evidence).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LabelSource {
    Name,
    TypeManufacturer,
    Hardware,
    ModelScope,
}

impl LabelSource {
    pub fn describe(self) -> &'static str {
        match self {
            LabelSource::Name => "name scope",
            LabelSource::TypeManufacturer => "type/manufacturer scope",
            LabelSource::Hardware => "hardware scope",
            LabelSource::ModelScope => "Model scope",
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Labels {
    /// Informative name/ value, whole.
    pub name: Option<String>,
    /// `type/manufacturer/<X>` value.
    pub type_manufacturer: Option<String>,
    pub manufacturer: Option<(String, LabelSource)>,
    pub model: Option<(String, LabelSource)>,
}

impl Labels {
    pub fn of(endpoint: &Endpoint) -> Labels {
        let scopes = &endpoint.scopes;
        let name = onvif::informative(scopes, &Category::Name).map(str::to_string);
        let type_manufacturer = onvif::values(scopes, &Category::Type)
            .find_map(|v| strip_prefix_ci(v, "manufacturer/"))
            .map(str::trim)
            .filter(|v| !v.is_empty() && !onvif::is_placeholder(v))
            .map(str::to_string);
        let model = model_of(endpoint, name.as_deref());
        let manufacturer = manufacturer_of(name.as_deref(), model.as_ref().map(|m| m.0.as_str()))
            .map(|m| (m, LabelSource::Name))
            .or_else(|| {
                type_manufacturer
                    .clone()
                    .map(|m| (m, LabelSource::TypeManufacturer))
            });
        Labels {
            name,
            type_manufacturer,
            manufacturer,
            model,
        }
    }
}

fn model_of(endpoint: &Endpoint, name: Option<&str>) -> Option<(String, LabelSource)> {
    let scopes = &endpoint.scopes;
    if let Some(h) = onvif::informative(scopes, &Category::Hardware) {
        return Some((h.to_string(), LabelSource::Hardware));
    }
    let model_scope = scopes
        .iter()
        .filter_map(|s| s.onvif.as_ref())
        .find(|s| matches!(&s.category, Category::Other(c) if c.eq_ignore_ascii_case("model")))
        .map(|s| s.value.trim())
        .filter(|v| !v.is_empty() && !onvif::is_placeholder(v));
    if let Some(m) = model_scope {
        return Some((m.to_string(), LabelSource::ModelScope));
    }
    name.filter(|n| is_model_like(n))
        .map(|n| (n.to_string(), LabelSource::Name))
}

/// The maker part of name/: the name without a trailing model, unless the name is itself
/// only a model (one token with a digit, or equal to the model).
fn manufacturer_of(name: Option<&str>, model: Option<&str>) -> Option<String> {
    let name = name?;
    if is_model_like(name) || model.is_some_and(|m| m.eq_ignore_ascii_case(name)) {
        return None;
    }
    let stripped = model
        .and_then(|m| strip_suffix_ci(name, m))
        .map(str::trim_end)
        .filter(|s| !s.is_empty())
        .unwrap_or(name);
    Some(stripped.to_string())
}

/// One token containing a digit: `TCM3401`, `icamera8001`, `C1`.
fn is_model_like(s: &str) -> bool {
    !s.contains(char::is_whitespace) && s.chars().any(|c| c.is_ascii_digit())
}

fn strip_prefix_ci<'s>(s: &'s str, prefix: &str) -> Option<&'s str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

fn strip_suffix_ci<'s>(s: &'s str, suffix: &str) -> Option<&'s str> {
    let at = s.len().checked_sub(suffix.len())?;
    let tail = s.get(at..)?;
    tail.eq_ignore_ascii_case(suffix).then(|| &s[..at])
}
