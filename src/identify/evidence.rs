//! Evidence: every rule or table entry that matched, with what it matched on.

use std::sync::Arc;

use super::confidence::Confidence;
use super::label::{LabelSource, Labels};
use super::mac::MacSighting;
use super::oui::OuiTable;
use super::rules::{Rule, RuleSet};
use crate::wsd::Endpoint;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EvidenceKind {
    /// A name rule matched the name/ scope or `type/manufacturer/<X>`.
    Label,
    /// A model rule matched the model (hardware/ scope, Model/ scope or model-like name).
    Model,
    /// A set of scopes matched a vendor's scope template.
    Template,
    /// The endpoint reference has a vendor's shape.
    Epr,
    /// A MAC address's prefix is registered to the family at the IEEE.
    Oui,
    /// The model or name marks a recorder (class evidence only).
    Recorder,
    /// An operator pinned the device to a maker in the configuration.
    Override,
}

impl EvidenceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EvidenceKind::Label => "label",
            EvidenceKind::Model => "model",
            EvidenceKind::Template => "template",
            EvidenceKind::Epr => "epr",
            EvidenceKind::Oui => "oui",
            EvidenceKind::Recorder => "recorder",
            EvidenceKind::Override => "override",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    pub kind: EvidenceKind,
    /// What was examined, e.g. `name scope "HIKVISION DS-2CD2145FWD-I"`.
    pub source: String,
    /// What matched it: the rule pattern, the template, or the OUI prefix and registrant.
    pub rule: Arc<str>,
    /// Where the rule lives: `builtin:LINE`, `PATH:LINE`, or `oui`.
    pub origin: Arc<str>,
    pub family: Option<Arc<str>>,
    pub brand: Option<Arc<str>>,
    pub confidence: Confidence,
    pub note: Arc<str>,
}

/// A MAC prefix names the registrant of the network interface, which OEM units often
/// share with their maker but sometimes not: alone it never makes a high verdict.
pub const OUI_CAP: Confidence = Confidence::Medium;

pub struct Found {
    pub items: Vec<Evidence>,
    pub recorder: Vec<Evidence>,
}

pub fn collect(
    rules: &RuleSet,
    oui: &OuiTable,
    endpoint: &Endpoint,
    labels: &Labels,
    macs: &[MacSighting],
) -> Found {
    let mut items = Vec::new();
    let mut recorder = Vec::new();
    let labelled = [
        (labels.name.as_deref(), LabelSource::Name),
        (
            labels.type_manufacturer.as_deref(),
            LabelSource::TypeManufacturer,
        ),
    ];
    for (text, source) in labelled {
        let Some(text) = text else { continue };
        for i in rules.name.matches(text) {
            items.push(from_rule(
                &rules.rules[i],
                EvidenceKind::Label,
                source.describe(),
                text,
            ));
        }
    }
    if let Some((model, source)) = &labels.model {
        for i in rules.model.matches(model) {
            items.push(from_rule(
                &rules.rules[i],
                EvidenceKind::Model,
                source.describe(),
                model,
            ));
        }
    }
    for (i, template) in &rules.templates {
        let all = template.iter().all(|item| {
            endpoint
                .scopes
                .iter()
                .filter_map(|s| s.onvif.as_ref())
                .any(|s| item.matches(s))
        });
        if all {
            let rule = &rules.rules[*i];
            items.push(from_rule(
                rule,
                EvidenceKind::Template,
                "scopes",
                &rule.pattern,
            ));
        }
    }
    for i in rules.epr.matches(&endpoint.epr.key) {
        items.push(from_rule(
            &rules.rules[i],
            EvidenceKind::Epr,
            "endpoint reference",
            &endpoint.epr.address,
        ));
    }
    items.extend(oui_evidence(oui, macs));
    let recorder_texts = [
        labels.model.as_ref().map(|m| m.0.as_str()),
        labels.name.as_deref(),
    ];
    for text in recorder_texts.into_iter().flatten() {
        for i in rules.recorder.matches(text) {
            if recorder.is_empty() {
                recorder.push(from_rule(
                    &rules.rules[i],
                    EvidenceKind::Recorder,
                    "model or name",
                    text,
                ));
            }
        }
    }
    Found { items, recorder }
}

fn from_rule(rule: &Rule, kind: EvidenceKind, what: &str, text: &str) -> Evidence {
    Evidence {
        kind,
        source: format!("{what} {text:?}"),
        rule: rule.pattern.clone(),
        origin: rule.origin.clone(),
        family: rule.family.clone(),
        brand: rule.brand.clone(),
        confidence: rule.confidence,
        note: rule.note.clone(),
    }
}

fn oui_evidence<'a>(
    oui: &'a OuiTable,
    macs: &'a [MacSighting],
) -> impl Iterator<Item = Evidence> + 'a {
    macs.iter()
        .filter(|m| m.mac.is_universal_unicast())
        .filter_map(|m| oui.lookup(m.mac).map(|e| (m, e)))
        .map(|(m, e)| Evidence {
            kind: EvidenceKind::Oui,
            source: format!("MAC {} ({})", m.mac, m.source.as_str()),
            rule: e.label.clone(),
            origin: oui.origin.clone(),
            family: Some(e.family.clone()),
            brand: e.brand.clone(),
            confidence: e.confidence.min(OUI_CAP),
            note: oui.note.clone(),
        })
}
