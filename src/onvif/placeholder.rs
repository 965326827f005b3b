//! Factory-default scope values that say nothing about the maker or model.

/// Values seen as `name/` or `hardware/` on devices whose firmware was never given a
/// real label (Xiongmai `NVT`/`IPC-model`, ONVIF examples' `VENDOR MODEL`, ...).
/// Compared case-insensitively after trimming.
const PLACEHOLDERS: &[&str] = &[
    "nvt",
    "model",
    "ipc-model",
    "vendor",
    "vendor model",
    "manufacturer",
    "hardware",
    "name",
    "onvif",
    "ipc",
    "ipcam",
    "ip camera",
    "ip_camera",
    "ipcamera",
    "camera",
    "unknown",
    "default",
    "n/a",
];

/// Is this scope value a placeholder rather than a maker or model?
pub fn is_placeholder(value: &str) -> bool {
    let v = value.trim();
    PLACEHOLDERS.iter().any(|p| p.eq_ignore_ascii_case(v))
}
