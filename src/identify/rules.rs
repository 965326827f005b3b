//! The rules table (`data/rules.tsv`, embedded; users may add a file in the same format).

use std::fmt;
use std::sync::Arc;

use regex::{RegexSet, RegexSetBuilder};

use super::confidence::Confidence;
use crate::onvif::{Category, OnvifScope};

/// The built-in rules, compiled into the binary.
pub const BUILTIN_RULES: &str = include_str!("../../data/rules.tsv");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleKind {
    Name,
    Model,
    Template,
    Epr,
    Recorder,
}

impl RuleKind {
    fn parse(s: &str) -> Option<RuleKind> {
        Some(match s {
            "name" => RuleKind::Name,
            "model" => RuleKind::Model,
            "template" => RuleKind::Template,
            "epr" => RuleKind::Epr,
            "recorder" => RuleKind::Recorder,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// `None` for class-only rules (`-` in the table).
    pub family: Option<Arc<str>>,
    pub brand: Option<Arc<str>>,
    pub kind: RuleKind,
    pub pattern: Arc<str>,
    pub confidence: Confidence,
    pub note: Arc<str>,
    /// `builtin:LINE` or `PATH:LINE`.
    pub origin: Arc<str>,
}

/// A template item: a scope category whose decoded value starts with `prefix`.
#[derive(Debug, Clone)]
pub(crate) struct TemplateItem {
    pub category: Category,
    pub prefix: String,
}

impl TemplateItem {
    fn parse(item: &str) -> Option<TemplateItem> {
        if !item.contains('/') {
            return None;
        }
        let s = OnvifScope::parse(&format!("{}{}", crate::onvif::ONVIF_PREFIX, item.trim()))?;
        Some(TemplateItem {
            category: s.category,
            prefix: s.value,
        })
    }

    pub fn matches(&self, scope: &OnvifScope) -> bool {
        let (v, p) = (scope.value.as_bytes(), self.prefix.as_bytes());
        scope.category == self.category
            && v.len() >= p.len()
            && v[..p.len()].eq_ignore_ascii_case(p)
    }
}

/// A rules-table problem, with where it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{origin}: {message}")]
pub struct RuleError {
    pub origin: String,
    pub message: String,
}

/// All rules, compiled for matching: one regex set per kind.
#[derive(Debug, Clone)]
pub struct RuleSet {
    pub(crate) rules: Vec<Rule>,
    pub(crate) name: Matcher,
    pub(crate) model: Matcher,
    pub(crate) epr: Matcher,
    pub(crate) recorder: Matcher,
    pub(crate) templates: Vec<(usize, Vec<TemplateItem>)>,
}

/// A compiled regex set and, for each of its patterns, the index of its rule.
#[derive(Debug, Clone)]
pub(crate) struct Matcher {
    set: RegexSet,
    rule_index: Vec<usize>,
}

impl Matcher {
    /// Indices (into `RuleSet::rules`) of the rules whose pattern matches `text`.
    pub fn matches<'m>(&'m self, text: &str) -> impl Iterator<Item = usize> + 'm {
        self.set
            .matches(text)
            .into_iter()
            .map(|i| self.rule_index[i])
    }
}

impl RuleSet {
    /// The built-in table alone.
    pub fn builtin() -> Result<RuleSet, RuleError> {
        RuleSet::from_sources(&[("builtin", BUILTIN_RULES)])
    }

    /// Parse and compile several tables in order (built-in first, then user files).
    pub fn from_sources(sources: &[(&str, &str)]) -> Result<RuleSet, RuleError> {
        let mut rules = Vec::new();
        for (origin, text) in sources {
            rules.extend(parse_table(origin, text)?);
        }
        RuleSet::compile(rules)
    }

    fn compile(rules: Vec<Rule>) -> Result<RuleSet, RuleError> {
        let mut templates = Vec::new();
        for (i, rule) in rules
            .iter()
            .enumerate()
            .filter(|(_, r)| r.kind == RuleKind::Template)
        {
            let items: Option<Vec<_>> = rule.pattern.split('&').map(TemplateItem::parse).collect();
            match items {
                Some(items) if !items.is_empty() => templates.push((i, items)),
                _ => {
                    return Err(rule_error(
                        &rule.origin,
                        "template items must look like category/value",
                    ))
                }
            }
        }
        Ok(RuleSet {
            name: matcher(&rules, RuleKind::Name)?,
            model: matcher(&rules, RuleKind::Model)?,
            epr: matcher(&rules, RuleKind::Epr)?,
            recorder: matcher(&rules, RuleKind::Recorder)?,
            templates,
            rules,
        })
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }
}

fn matcher(rules: &[Rule], kind: RuleKind) -> Result<Matcher, RuleError> {
    let picked: Vec<(usize, &Rule)> = rules
        .iter()
        .enumerate()
        .filter(|(_, r)| r.kind == kind)
        .collect();
    for (_, rule) in &picked {
        if let Err(e) = regex::RegexBuilder::new(&rule.pattern)
            .case_insensitive(true)
            .build()
        {
            return Err(rule_error(
                &rule.origin,
                format!("bad regex {:?}: {e}", rule.pattern),
            ));
        }
    }
    let set = RegexSetBuilder::new(picked.iter().map(|(_, r)| &*r.pattern))
        .case_insensitive(true)
        .build()
        .map_err(|e| rule_error("rules", format!("cannot compile the {kind:?} rules: {e}")))?;
    Ok(Matcher {
        set,
        rule_index: picked.iter().map(|(i, _)| *i).collect(),
    })
}

fn rule_error(origin: &str, message: impl fmt::Display) -> RuleError {
    RuleError {
        origin: origin.to_string(),
        message: message.to_string(),
    }
}

/// Parse one TSV table: `#` comments and blank lines skipped, the header line
/// (`family\tbrand\t...`) skipped, six columns otherwise.
pub fn parse_table(origin: &str, text: &str) -> Result<Vec<Rule>, RuleError> {
    let mut rules = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let at = format!("{origin}:{}", n + 1);
        if line.trim().is_empty() || line.starts_with('#') || line.starts_with("family\t") {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').map(str::trim).collect();
        let [family, brand, kind, pattern, confidence, note] = cols[..] else {
            return Err(rule_error(
                &at,
                format!("expected 6 tab-separated columns, found {}", cols.len()),
            ));
        };
        let kind = RuleKind::parse(kind).ok_or_else(|| {
            rule_error(
                &at,
                format!("unknown kind {kind:?} (name, model, template, epr, recorder)"),
            )
        })?;
        let confidence = confidence.parse().map_err(|()| {
            rule_error(
                &at,
                format!("confidence {confidence:?} is not high, medium or low"),
            )
        })?;
        let family = dash_none(family).map(str::to_ascii_lowercase);
        if family.is_none() && kind != RuleKind::Recorder {
            return Err(rule_error(&at, "only recorder rules may have family \"-\""));
        }
        if pattern.is_empty() {
            return Err(rule_error(&at, "empty pattern"));
        }
        rules.push(Rule {
            family: family.map(Arc::from),
            brand: dash_none(brand).map(Arc::from),
            kind,
            pattern: Arc::from(pattern),
            confidence,
            note: Arc::from(note),
            origin: Arc::from(at),
        });
    }
    Ok(rules)
}

fn dash_none(s: &str) -> Option<&str> {
    (s != "-" && !s.is_empty()).then_some(s)
}
