/* The "metrics" scenario: wg_metric_add (pdk/ABI.md, "Plugin metrics").
 * tck_event/a is counted 2+1+1, tck_event/ at zero and s2…s63 once each
 * (64 pairs); bad names, labels and deltas and a 65th pair are refused.
 * The runner checks the host's counts. */
#include <stdio.h>
#include <string.h>

#include "tck.h"

void request_metrics(void) {
	/* A name and a label one byte over the PDK's limits. */
	char long_name[WG_METRIC_NAME_MAX + 2], long_label[WG_METRIC_LABEL_MAX + 2];
	memset(long_name, 'e', WG_METRIC_NAME_MAX + 1);
	long_name[WG_METRIC_NAME_MAX + 1] = 0;
	memset(long_label, 'l', WG_METRIC_LABEL_MAX + 1);
	long_label[WG_METRIC_LABEL_MAX + 1] = 0;
	code("wg_metric_add", wg_metric_add("tck_event", "a", 2), 0);
	code("wg_metric_add again", wg_metric_add("tck_event", "a", 1), 0);
	code("wg_metric_add at zero, no label", wg_metric_add("tck_event", NULL, 0), 0);
	code("wg_metric_add of an upper-case name", wg_metric_add("Tck_event", "a", 1), WG_ERR_INVALID);
	code("wg_metric_add of an empty name", wg_metric_add("", "a", 1), WG_ERR_INVALID);
	code("wg_metric_add of a 65-byte name", wg_metric_add(long_name, "", 1), WG_ERR_INVALID);
	code("wg_metric_add of a label with a space", wg_metric_add("tck_event", "a b", 1), WG_ERR_INVALID);
	code("wg_metric_add of a 65-byte label", wg_metric_add("tck_event", long_label, 1), WG_ERR_INVALID);
	code("wg_metric_add of a negative delta", wg_metric_add("tck_event", "a", -1), WG_ERR_INVALID);
	for (int i = 2; i < WG_METRIC_SERIES_MAX; i++) {
		char label[8], what[48];
		snprintf(label, sizeof label, "s%d", i);
		snprintf(what, sizeof what, "wg_metric_add of pair %d", i);
		code(what, wg_metric_add("tck_event", label, 1), 0);
	}
	code("wg_metric_add of a pair over the limit", wg_metric_add("tck_event", "over", 1), WG_ERR_TOO_LARGE);
	code("wg_metric_add of a known pair at the limit", wg_metric_add("tck_event", "a", 1), 0);
}
