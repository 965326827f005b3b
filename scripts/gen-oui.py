#!/usr/bin/env python3
"""Generate data/oui.tsv (MAC OUI -> camera maker family) from IEEE registry CSVs.

Usage:
    scripts/gen-oui.py [--allow-missing] [-v] DIR_OR_CSV... > data/oui.tsv

Each argument is an IEEE registry CSV (header "Registry,Assignment,Organization
Name,Organization Address") or a directory; for a directory every *.csv in it is
read. The crates.io crate `oui-data` ships them as data/{oui,oui28,oui36,iab,cid}.csv;
IEEE's own download names (oui.csv, mam.csv, oui36.csv, iab.csv, cid.csv) and
Debian's /usr/share/ieee-data/*.csv work too. The block size is taken from the
Registry column of each row, not from the file name:

    MA-L -> 24 bits (6 hex digits)      MA-M -> 28 bits (7 hex digits)
    MA-S -> 36 bits (9 hex digits)      IAB  -> 36 bits (9 hex digits, legacy MA-S)
    CID  -> skipped (Company IDs are not MAC address blocks)

Registrants are selected ONLY by the MAPPING table below: anchored (full-match),
case-insensitive regexes on the whole Organization Name, after runs of
whitespace are squashed to one space and the ends stripped. Never add a bare
substring rule such as "Dahua": "Shanghai Dahua Scale Factory" (40:2C:76:1/28)
is unrelated to Zhejiang Dahua Technology. DENY below enforces this.

Exit status: 0 on success. 1 if any mapping regex matches no registrant (a
registry rename or a typo; pass --allow-missing to turn that into a warning),
if one registrant matches two mappings, if a DENY name would be selected, or
if the same prefix is assigned conflicting rows. 2 on bad input.

stdout: the TSV. stderr: per-family counts; with -v also every selected
registrant name with its number of blocks, for eyeballing.
"""

import argparse
import csv
import hashlib
import os
import re
import sys
from collections import Counter, defaultdict

# (regex on the full Organization Name, family, brand, confidence)
#
# confidence says how strongly a block registered to this name ties the device
# to the family's maker (it says nothing about the device being a camera):
#   high   - the maker itself (or its predecessor name for the same business)
#   medium - a subsidiary / joint venture / spun-off successor of the maker
#   low    - OEM label, loose affiliate, or ownership that may have changed:
#            a hint only; an OEM's own OUI does not prove the maker's firmware
MAPPING = [
    # --- hikvision ---------------------------------------------------------
    (r"Hangzhou Hikvision Digital Technology Co\., ?Ltd\.?", "hikvision", "Hikvision", "high"),
    (r"Hangzhou Ezviz Software Co\., ?Ltd\.?", "hikvision", "EZVIZ", "high"),
    (r"Hangzhou Hikrobot Technology Co\., ?Ltd\.?", "hikvision", "Hikrobot", "medium"),
    (r"Hangzhou Hikstorage Technology Co\., ?Ltd\.?", "hikvision", "Hikstorage", "medium"),
    # HIKMICRO (thermal imaging subsidiary) registers as Hangzhou Microimage Software
    (r"Hangzhou Microimage Software Co\., ?Ltd\.?", "hikvision", "HIKMICRO", "medium"),
    (r"Prama Hikvision India Private Limited", "hikvision", "Prama", "medium"),
    # same brand, later company name (different address); Hikvision's stake unverified
    (r"Prama India Private Limited", "hikvision", "Prama", "low"),
    # --- dahua -------------------------------------------------------------
    (r"Zhejiang Dahua Technology ?Co\., ?Ltd\.?", "dahua", "Dahua", "high"),
    (r"Zhejiang Dahua Zhilian Co\., ?Ltd\.?", "dahua", "Dahua Zhilian", "medium"),
    (r"Hangzhou Huacheng Network Technology Co\., ?Ltd\.?", "dahua", "Imou", "medium"),
    # Huaray: Dahua's machine-vision subsidiary
    (r"Zhejiang HuaRay Technology Co\., ?Ltd\.?", "dahua", "Huaray", "medium"),
    (r"Amcrest Technologies", "dahua", "Amcrest", "low"),
    (r"Intelbras", "dahua", "Intelbras", "low"),
    (r"Lorex Technology Inc\.?", "dahua", "Lorex", "low"),
    # --- uniview -----------------------------------------------------------
    (r"Zhejiang Uniview Technologies Co\., ?Ltd\.?", "uniview", "Uniview", "high"),
    # --- hytera ------------------------------------------------------------
    (r"Hytera Communications Co ?\., ?ltd\.?", "hytera", "Hytera", "high"),
    (r"Hytera Communications Corporation Limited", "hytera", "Hytera", "high"),
    (r"Teltronic S\.A\.U\.?", "hytera", "Teltronic", "medium"),  # not "Teltronic AG" (CH)
    (r"Norsat International Inc\.?", "hytera", "Norsat", "medium"),
    (r"Sepura Limited", "hytera", "Sepura", "low"),  # Hytera-owned from 2017; check current owner
    # --- huawei ------------------------------------------------------------
    (r"Huawei Technologies Co\., ?Ltd\.?", "huawei", "Huawei", "high"),
    (r"Huawei Device Co\., ?Ltd\.?", "huawei", "Huawei", "high"),
    (r"Hisilicon Technologies Co\., ?Ltd\.?", "huawei", "HiSilicon", "medium"),
    (r"Huawei Symantec Technologies Co\., ?Ltd\.?", "huawei", "Huawei Symantec", "medium"),
    (r"Shenzhen Yinwang Intelligent Technologies Co\., ?Ltd\.?", "huawei", "Yinwang", "low"),
    # --- zte ---------------------------------------------------------------
    (r"ZTE Corporation", "zte", "ZTE", "high"),
    (r"Shanghai ZTE Technologies Co\., ?Ltd\.?", "zte", "ZTE", "medium"),
    (r"Nubia Technology Co\., ?Ltd\.?", "zte", "Nubia", "low"),
    # --- other camera makers (not on the watchlist) -------------------------
    (r"Axis Communications AB", "axis", "Axis", "high"),
    (r"Samsung Techwin Co\., ?Ltd\.?", "hanwha", "Samsung Techwin", "high"),
    (r"Hanwha Vision Viet ?Nam( Company Limited)?", "hanwha", "Hanwha Vision", "high"),
    (r"Bosch Security Systems(, Inc\.?)?", "bosch", "Bosch", "high"),
    (r"Bosch Sicherheitssysteme GmbH", "bosch", "Bosch", "high"),
    (r"Bosch \(Zhuhai\) Security Systems Company, Ltd\.?", "bosch", "Bosch", "high"),
    # Bosch's security/video business since 2024/25 (same Ovar, PT address)
    (r"Keenfinity S\.A\.?", "bosch", "Keenfinity", "medium"),
    (r"Vivotek,? Inc\.?", "vivotek", "Vivotek", "high"),
    (r"Mobotix AG", "mobotix", "Mobotix", "high"),
    # Avigilon (00:18:85) and Pelco (00:04:7D) blocks are now registered to
    # "Motorola Solutions Inc." and cannot be told apart from Motorola radios.
    (r"Avigilon Alta", "avigilon", "Avigilon Alta", "medium"),
    (r"ACTi Corporation", "acti", "ACTi", "high"),
    (r"Xiamen Milesight IoT Co\., ?Ltd\.?", "milesight", "Milesight", "high"),
    (r"Milesight Taiwan", "milesight", "Milesight", "high"),
    (r"GeoVision,? Inc\.?", "geovision", "GeoVision", "high"),
    (r"Tiandy Technologies Co\., ?Ltd\.?", "tiandy", "Tiandy", "high"),
    (r"Sunell Electronics Co\.?", "sunell", "Sunell", "high"),
    (r"Reolink Innovation Limited", "reolink", "Reolink", "high"),
    # Wanted but absent from the registry under their own name (checked in
    # oui-data 0.2.4): Hangzhou Xiongmai, Shenzhen Foscam, Pelco, Avigilon Corp.
]

# Names that must never be selected, whatever the mapping says.
DENY = [
    r"Shanghai Dahua Scale Factory",   # unrelated to Zhejiang Dahua Technology
    r"JOREX LOREX INDIA PRIVATE LIMITED",
    r"Honor Device Co\., ?Ltd\.?",     # sold by Huawei in 2020
    r"Teltronic AG",
]

REGISTRY_BITS = {"MA-L": 24, "MA-M": 28, "MA-S": 36, "IAB": 36}
SKIP_REGISTRIES = {"CID"}
CONFIDENCES = {"high", "medium", "low"}
HEADER = ["prefix", "bits", "family", "brand", "confidence", "registrant"]


def squash(s):
    """Runs of whitespace -> one space, ends stripped (used for matching)."""
    return " ".join(s.split())


def clean(s):
    """Registrant for output: verbatim except tabs/CR/LF -> space, ends stripped."""
    return re.sub(r"[\t\r\n]+", " ", s).strip()


def describe_source(path):
    """Stable description of an input file: crate name/version if it lives in
    an unpacked crate (…/<crate>-<ver>/data/x.csv), else the base name."""
    parent = os.path.dirname(os.path.abspath(path))
    crate_dir = os.path.dirname(parent)
    m = re.fullmatch(r"(.+)-(\d+\.\d+\.\d+\S*)", os.path.basename(crate_dir))
    if m and os.path.isfile(os.path.join(crate_dir, "Cargo.toml")):
        rel = os.path.relpath(path, os.path.dirname(crate_dir))
        return "crates.io %s %s: %s" % (m.group(1), m.group(2), rel)
    return os.path.basename(path)


def input_files(args):
    files = []
    for a in args:
        if os.path.isdir(a):
            found = sorted(
                os.path.join(a, f) for f in os.listdir(a) if f.lower().endswith(".csv")
            )
            if not found:
                sys.exit("gen-oui: no *.csv files in directory %s" % a)
            files.extend(found)
        elif os.path.isfile(a):
            files.append(a)
        else:
            sys.exit("gen-oui: no such file or directory: %s" % a)
    # de-duplicate, keep order
    seen, out = set(), []
    for f in files:
        k = os.path.realpath(f)
        if k not in seen:
            seen.add(k)
            out.append(f)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("inputs", nargs="+", metavar="DIR_OR_CSV")
    ap.add_argument("--allow-missing", action="store_true",
                    help="warn instead of failing when a mapping regex matches nothing")
    ap.add_argument("-v", "--verbose", action="store_true",
                    help="list every selected registrant and its block count on stderr")
    opts = ap.parse_args()

    errors = []
    compiled = []
    for rx, fam, brand, conf in MAPPING:
        assert conf in CONFIDENCES, (rx, conf)
        assert re.fullmatch(r"[a-z][a-z0-9-]*", fam), fam
        compiled.append((re.compile(rx, re.IGNORECASE), rx, fam, brand, conf))
    deny = [re.compile(rx, re.IGNORECASE) for rx in DENY]

    sources = []            # header comment lines
    rows = {}               # (prefix, bits) -> row tuple
    hits = Counter()        # mapping regex -> blocks matched
    names = Counter()       # (family, registrant, registry) -> blocks
    skipped = Counter()     # registry -> rows skipped

    for path in input_files(opts.inputs):
        with open(path, "rb") as fh:
            digest = hashlib.sha256(fh.read()).hexdigest()
        nrows = 0
        with open(path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.reader(fh)
            header = next(reader, None)
            if not header or [h.strip() for h in header[:3]] != \
                    ["Registry", "Assignment", "Organization Name"]:
                sys.exit("gen-oui: %s: not an IEEE registry CSV (header %r)" % (path, header))
            for lineno, rec in enumerate(reader, start=2):
                if not rec:
                    continue
                nrows += 1
                registry, assignment, org = rec[0].strip(), rec[1].strip().upper(), rec[2]
                if registry in SKIP_REGISTRIES:
                    skipped[registry] += 1
                    continue
                bits = REGISTRY_BITS.get(registry)
                if bits is None:
                    sys.exit("gen-oui: %s:%d: unknown registry %r" % (path, lineno, registry))
                if not re.fullmatch(r"[0-9A-F]{%d}" % (bits // 4), assignment):
                    sys.exit("gen-oui: %s:%d: bad %s assignment %r" % (path, lineno, registry, assignment))
                key_name = squash(org)
                matched = [c for c in compiled if c[0].fullmatch(key_name)]
                if not matched:
                    continue
                if len(matched) > 1:
                    errors.append("%r matches several mappings: %s"
                                  % (key_name, ", ".join(c[1] for c in matched)))
                    continue
                _, rx, fam, brand, conf = matched[0]
                if any(d.fullmatch(key_name) for d in deny):
                    errors.append("%r is on the deny list but matched %r" % (key_name, rx))
                    continue
                registrant = clean(org)
                row = (assignment, str(bits), fam, brand, conf, registrant)
                prev = rows.get((assignment, bits))
                if prev is not None and prev != row:
                    errors.append("conflicting rows for %s/%d: %r vs %r" % (assignment, bits, prev, row))
                    continue
                if prev is None:
                    hits[rx] += 1
                    names[(fam, registrant, registry)] += 1
                rows[(assignment, bits)] = row
        sources.append("#   %s (%d rows, sha256 %s)" % (describe_source(path), nrows, digest))

    missing = [rx for rx, *_ in MAPPING if hits[rx] == 0]
    for rx in missing:
        msg = "mapping regex matched no registrant (registry rename?): /%s/" % rx
        if opts.allow_missing:
            print("gen-oui: warning: " + msg, file=sys.stderr)
        else:
            errors.append(msg)

    if errors:
        for e in errors:
            print("gen-oui: error: " + e, file=sys.stderr)
        sys.exit(1)

    out = sys.stdout
    out.write("# MAC OUI -> maker family. GENERATED by scripts/gen-oui.py; do not edit by hand.\n")
    out.write("# Source: IEEE registry CSVs (MA-L=24, MA-M=28, MA-S/IAB=36 bits; CID skipped):\n")
    for s in sources:
        out.write(s + "\n")
    out.write("# confidence: high=the maker itself, medium=subsidiary/JV/successor, low=OEM label or loose affiliate (hint only).\n")
    out.write("\t".join(HEADER) + "\n")
    for row in sorted(rows.values(), key=lambda r: (r[2], r[0], int(r[1]))):
        out.write("\t".join(row) + "\n")

    fam_count = Counter(r[2] for r in rows.values())
    print("gen-oui: %d prefixes; per family: %s; skipped: %s" % (
        len(rows),
        ", ".join("%s=%d" % kv for kv in sorted(fam_count.items())),
        ", ".join("%s=%d" % kv for kv in sorted(skipped.items())) or "none"),
        file=sys.stderr)
    if opts.verbose:
        for (fam, name, reg), n in sorted(names.items()):
            print("  %-10s %-5s %5d  %s" % (fam, reg, n, name), file=sys.stderr)


if __name__ == "__main__":
    main()
