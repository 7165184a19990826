// metric_add (pdk/ABI.md, "Plugin metrics") through metricAdd: counts
// tck_event/a 2+1+1, tck_event/ at zero and s2…s63 once each (64 pairs), is
// refused bad names, labels and deltas, and a 65th pair. The runner checks
// the host's counts.
import {
  ERR_INVALID, ERR_TOO_LARGE, METRIC_LABEL_MAX, METRIC_NAME_MAX, METRIC_SERIES_MAX, metricAdd,
} from "../../../../pdk/assemblyscript/assembly";
import { code } from "./check";

export function requestMetrics(): void {
  code("metric_add", metricAdd("tck_event", "a", 2), 0);
  code("metric_add again", metricAdd("tck_event", "a", 1), 0);
  code("metric_add at zero, no label", metricAdd("tck_event", "", 0), 0);
  code("metric_add of an upper-case name", metricAdd("Tck_event", "a", 1), ERR_INVALID);
  code("metric_add of an empty name", metricAdd("", "a", 1), ERR_INVALID);
  code("metric_add of a 65-byte name", metricAdd("e".repeat(METRIC_NAME_MAX + 1), "", 1), ERR_INVALID);
  code("metric_add of a label with a space", metricAdd("tck_event", "a b", 1), ERR_INVALID);
  code("metric_add of a 65-byte label", metricAdd("tck_event", "l".repeat(METRIC_LABEL_MAX + 1), 1), ERR_INVALID);
  code("metric_add of a negative delta", metricAdd("tck_event", "a", -1), ERR_INVALID);
  for (let i = 2; i < METRIC_SERIES_MAX; i++) {
    code("metric_add of pair " + i.toString(), metricAdd("tck_event", "s" + i.toString(), 1), 0);
  }
  code("metric_add of a pair over the limit", metricAdd("tck_event", "over", 1), ERR_TOO_LARGE);
  code("metric_add of a known pair at the limit", metricAdd("tck_event", "a", 1), 0);
}
