//! Combine evidence into one verdict: family, brand, confidence, conflict.
//!
//! Families are ranked by summed weight (high 3, medium 2, low 1), ties broken by the
//! strongest single item, then by name (deterministic). Confidence of the winner:
//! high if it has a high item or medium-or-better items of two different kinds; medium if
//! it has a medium item or low items of two different kinds; low otherwise. Evidence for
//! any other family is a conflict: it is kept, flagged, and lowers the confidence one step.

use std::collections::BTreeMap;

use super::confidence::Confidence;
use super::evidence::{Evidence, EvidenceKind};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Decision {
    pub family: Option<String>,
    pub brand: Option<String>,
    pub confidence: Confidence,
    pub conflict: bool,
}

pub fn decide(items: &[Evidence]) -> Decision {
    let mut scores: BTreeMap<&str, (u32, Confidence)> = BTreeMap::new();
    for e in items {
        if let Some(f) = e.family.as_deref() {
            let s = scores.entry(f).or_default();
            s.0 += e.confidence.weight();
            s.1 = s.1.max(e.confidence);
        }
    }
    let Some((family, _)) = scores
        .iter()
        .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)))
        .map(|(f, s)| (f.to_string(), *s))
    else {
        return Decision::default();
    };
    let mine: Vec<&Evidence> = items
        .iter()
        .filter(|e| e.family.as_deref() == Some(&family))
        .collect();
    let conflict = scores.len() > 1;
    let mut confidence = strength(&mine);
    if conflict {
        confidence = confidence.lowered();
    }
    Decision {
        brand: brand(&mine),
        family: Some(family),
        confidence,
        conflict,
    }
}

fn strength(mine: &[&Evidence]) -> Confidence {
    let strongest = mine.iter().map(|e| e.confidence).max().unwrap_or_default();
    let kinds_at_least = |c: Confidence| {
        let mut kinds: Vec<EvidenceKind> = mine
            .iter()
            .filter(|e| e.confidence >= c)
            .map(|e| e.kind)
            .collect();
        kinds.sort_unstable();
        kinds.dedup();
        kinds.len()
    };
    if strongest == Confidence::High || kinds_at_least(Confidence::Medium) >= 2 {
        Confidence::High
    } else if strongest == Confidence::Medium || kinds_at_least(Confidence::Low) >= 2 {
        Confidence::Medium
    } else {
        strongest
    }
}

/// The brand comes from what the unit says about itself (label, then model), strongest
/// first; a MAC prefix or scope template tells the maker, not the label.
fn brand(mine: &[&Evidence]) -> Option<String> {
    [EvidenceKind::Label, EvidenceKind::Model]
        .iter()
        .find_map(|kind| {
            mine.iter()
                .filter(|e| e.kind == *kind && e.brand.is_some())
                .max_by_key(|e| e.confidence)
                .and_then(|e| e.brand.as_deref().map(str::to_string))
        })
}
