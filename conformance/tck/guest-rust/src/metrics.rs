//! metric_add (pdk/ABI.md, "Plugin metrics"), as in the Go guest's
//! metrics.go: the runner checks what the host counted.

use wasmgate_pdk::{metric_add, HostError, METRIC_LABEL_MAX, METRIC_NAME_MAX, METRIC_SERIES_MAX};

use crate::check::eq;

/// Counts tck_event/a 2+1+1, tck_event/ at zero and s2…s63 once each (64
/// pairs), is refused bad names, labels and deltas, and a 65th pair.
pub fn request() {
    let invalid = Err(HostError::Invalid);
    // The limits of pdk/ABI.md ("Plugin metrics"); the refusals below and
    // the pairs up to the limit check them against the host, but a name or
    // label of the full length would count a pair the runner does not expect.
    eq("METRIC_NAME_MAX", METRIC_NAME_MAX, 64);
    eq("METRIC_LABEL_MAX", METRIC_LABEL_MAX, 64);
    eq("metric_add", metric_add("tck_event", "a", 2), Ok(()));
    eq("metric_add again", metric_add("tck_event", "a", 1), Ok(()));
    eq("metric_add at zero, no label", metric_add("tck_event", "", 0), Ok(()));
    eq("metric_add of an upper-case name", metric_add("Tck_event", "a", 1), invalid);
    eq("metric_add of an empty name", metric_add("", "a", 1), invalid);
    eq("metric_add of a 65-byte name", metric_add(&"e".repeat(METRIC_NAME_MAX + 1), "", 1), invalid);
    eq("metric_add of a label with a space", metric_add("tck_event", "a b", 1), invalid);
    eq("metric_add of a 65-byte label", metric_add("tck_event", &"l".repeat(METRIC_LABEL_MAX + 1), 1), invalid);
    eq("metric_add of a negative delta", metric_add("tck_event", "a", -1), invalid);
    for i in 2..METRIC_SERIES_MAX {
        eq(&format!("metric_add of pair {}", i), metric_add("tck_event", &format!("s{}", i), 1), Ok(()));
    }
    eq("metric_add of a pair over the limit", metric_add("tck_event", "over", 1), Err(HostError::TooLarge));
    eq("metric_add of a known pair at the limit", metric_add("tck_event", "a", 1), Ok(()));
}
