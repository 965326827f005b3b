//! MAC prefix -> maker family, from `data/oui.tsv` (generated from IEEE registry data by
//! `scripts/gen-oui.py`). Longest prefix wins: 36-bit (MA-S), then 28 (MA-M), then 24 (MA-L).

use std::sync::Arc;

use super::confidence::Confidence;
use super::mac::Mac;
use super::rules::RuleError;

pub const BUILTIN_OUI: &str = include_str!("../../data/oui.tsv");

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OuiEntry {
    /// Upper-case hex, 6, 7 or 9 digits.
    pub prefix: String,
    pub bits: u8,
    pub family: Arc<str>,
    pub brand: Option<Arc<str>>,
    pub confidence: Confidence,
    /// The IEEE registrant, verbatim.
    pub registrant: String,
    /// `PREFIX/BITS registrant`, as shown in evidence.
    pub label: Arc<str>,
}

#[derive(Clone)]
pub struct OuiTable {
    /// Sorted (prefix value, entry index) per prefix length: [36, 28, 24] bits.
    by_bits: [Vec<(u64, usize)>; 3],
    entries: Vec<OuiEntry>,
    /// Shared by every OUI evidence item.
    pub(crate) origin: Arc<str>,
    pub(crate) note: Arc<str>,
}

impl Default for OuiTable {
    fn default() -> OuiTable {
        OuiTable {
            by_bits: Default::default(),
            entries: Vec::new(),
            origin: Arc::from("oui"),
            note: Arc::from(
                "IEEE registrant of the MAC prefix; a MAC prefix alone is at most medium",
            ),
        }
    }
}

const BITS: [u8; 3] = [36, 28, 24];

impl OuiTable {
    pub fn builtin() -> Result<OuiTable, RuleError> {
        OuiTable::parse("oui", BUILTIN_OUI)
    }

    pub fn parse(origin: &str, text: &str) -> Result<OuiTable, RuleError> {
        let mut table = OuiTable::default();
        for (n, line) in text.lines().enumerate() {
            if line.trim().is_empty() || line.starts_with('#') || line.starts_with("prefix\t") {
                continue;
            }
            let at = || format!("{origin}:{}", n + 1);
            let entry = parse_entry(line).ok_or_else(|| RuleError {
                origin: at(),
                message: "expected prefix, bits (24/28/36), family, brand, confidence, registrant"
                    .into(),
            })?;
            let slot = BITS
                .iter()
                .position(|b| *b == entry.bits)
                .ok_or_else(|| RuleError {
                    origin: at(),
                    message: format!("unsupported prefix length {}", entry.bits),
                })?;
            let value = u64::from_str_radix(&entry.prefix, 16).map_err(|_| RuleError {
                origin: at(),
                message: format!("bad hex prefix {:?}", entry.prefix),
            })?;
            table.by_bits[slot].push((value, table.entries.len()));
            table.entries.push(entry);
        }
        for v in &mut table.by_bits {
            v.sort_unstable();
        }
        Ok(table)
    }

    pub fn lookup(&self, mac: Mac) -> Option<&OuiEntry> {
        let value = mac.as_u64();
        BITS.iter().zip(&self.by_bits).find_map(|(bits, list)| {
            let key = value >> (48 - u32::from(*bits));
            let i = list.binary_search_by_key(&key, |(v, _)| *v).ok()?;
            self.entries.get(list[i].1)
        })
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl std::fmt::Debug for OuiTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "OuiTable({} prefixes)", self.entries.len())
    }
}

fn parse_entry(line: &str) -> Option<OuiEntry> {
    let mut cols = line.split('\t');
    let prefix = cols.next()?.trim().to_ascii_uppercase();
    let bits: u8 = cols.next()?.trim().parse().ok()?;
    if prefix.len() * 4 != usize::from(bits) {
        return None;
    }
    let family = Arc::from(cols.next()?.trim().to_ascii_lowercase());
    let brand = cols.next()?.trim();
    let confidence = cols.next()?.parse().ok()?;
    let registrant = cols.next()?.trim().to_string();
    Some(OuiEntry {
        label: Arc::from(format!("{prefix}/{bits} {registrant}")),
        prefix,
        bits,
        family,
        brand: (!brand.is_empty() && brand != "-").then(|| Arc::from(brand)),
        confidence,
        registrant,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_table_loads_and_finds_hikvision() {
        let t = OuiTable::builtin().expect("embedded table parses");
        assert!(t.len() > 1000);
        let e = t
            .lookup(Mac::parse("bc:ba:c2:a4:de:e3").expect("mac"))
            .expect("hikvision OUI");
        assert_eq!(&*e.family, "hikvision");
        assert!(e.registrant.contains("Hikvision"));
    }

    #[test]
    fn longest_prefix_wins() {
        let text = "prefix\tbits\tfamily\tbrand\tconfidence\tregistrant\n\
                    70B3D5\t24\tieee\t-\tlow\tIEEE Registration Authority\n\
                    70B3D50AE\t36\thytera\tNorsat\tmedium\tNorsat International Inc.\n";
        let t = OuiTable::parse("t", text).expect("parses");
        let hit = |s| {
            t.lookup(Mac::parse(s).expect("mac"))
                .map(|e| e.family.to_string())
        };
        assert_eq!(hit("70:b3:d5:0a:e1:23").as_deref(), Some("hytera"));
        assert_eq!(hit("70:b3:d5:0b:e1:23").as_deref(), Some("ieee"));
        assert_eq!(hit("00:00:00:00:00:01"), None);
    }

    #[test]
    fn shanghai_dahua_scale_is_not_dahua() {
        let t = OuiTable::builtin().expect("embedded table parses");
        // 40:2C:76:1 (28-bit) is Shanghai Dahua Scale Factory, unrelated to Dahua Technology.
        let e = t.lookup(Mac::parse("40:2c:76:10:00:01").expect("mac"));
        assert!(e.is_none_or(|e| &*e.family != "dahua"), "{e:?}");
        assert!(t.entries.iter().all(|e| !e.registrant.contains("Scale")));
    }

    #[test]
    fn bad_lines_are_reported_with_position() {
        let err = OuiTable::parse("t", "ZZ\t24\tx\t-\thigh\tX\n").expect_err("bad line");
        assert_eq!(err.origin, "t:1");
    }
}
