//! Named bounds on what one datagram may make the parser do. All configurable.

/// Parser bounds. The defaults accept every real message seen (a large ProbeMatches from
/// an NVR proxying 64 cameras included) while keeping a hostile 64 KiB datagram to a few
/// microseconds of work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest datagram accepted, in bytes. UDP payloads cannot exceed 65,527 bytes.
    pub max_datagram: usize,
    /// Deepest element nesting (a Hello is 6 deep).
    pub max_depth: usize,
    /// XML events (tags, text runs, references, comments) per datagram.
    pub max_events: usize,
    /// Quote characters (`"` and `'`) per datagram, counted before XML parsing starts:
    /// bounds the attribute scanning of a start tag, which happens before the
    /// per-element attribute bound can apply.
    pub max_quotes: usize,
    /// Bytes of text in one captured field (e.g. the Scopes list).
    pub max_text: usize,
    /// Attributes on one element (namespace declarations included).
    pub max_attributes: usize,
    /// Endpoints in one ProbeMatches / ResolveMatches.
    pub max_endpoints: usize,
    /// Types per endpoint or Probe.
    pub max_types: usize,
    /// Scopes per endpoint or Probe.
    pub max_scopes: usize,
    /// XAddrs per endpoint.
    pub max_xaddrs: usize,
}

impl Limits {
    pub const DEFAULT_MAX_DATAGRAM: usize = 65_536;
    pub const DEFAULT_MAX_DEPTH: usize = 32;
    /// The largest legitimate datagram seen (a 60-endpoint NVR ProbeMatches, 64,880 bytes)
    /// has 1,656 events.
    pub const DEFAULT_MAX_EVENTS: usize = 2_048;
    pub const DEFAULT_MAX_QUOTES: usize = 2_048;
    pub const DEFAULT_MAX_TEXT: usize = 16_384;
    pub const DEFAULT_MAX_ATTRIBUTES: usize = 32;
    pub const DEFAULT_MAX_ENDPOINTS: usize = 64;
    pub const DEFAULT_MAX_TYPES: usize = 32;
    pub const DEFAULT_MAX_SCOPES: usize = 64;
    pub const DEFAULT_MAX_XADDRS: usize = 16;
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_datagram: Limits::DEFAULT_MAX_DATAGRAM,
            max_depth: Limits::DEFAULT_MAX_DEPTH,
            max_events: Limits::DEFAULT_MAX_EVENTS,
            max_quotes: Limits::DEFAULT_MAX_QUOTES,
            max_text: Limits::DEFAULT_MAX_TEXT,
            max_attributes: Limits::DEFAULT_MAX_ATTRIBUTES,
            max_endpoints: Limits::DEFAULT_MAX_ENDPOINTS,
            max_types: Limits::DEFAULT_MAX_TYPES,
            max_scopes: Limits::DEFAULT_MAX_SCOPES,
            max_xaddrs: Limits::DEFAULT_MAX_XADDRS,
        }
    }
}
