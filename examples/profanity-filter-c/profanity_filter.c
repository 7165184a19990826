/*
 * profanity-filter: masks (or blocks) listed words in chat requests and in
 * the model's answers, streamed or not.
 *
 * Words match whole and case-insensitively (ASCII). With action "mask" each
 * letter of a match becomes '*' in user messages, responses and stream
 * chunks; with action "block" a request containing one is refused with 400
 * and the answers are still masked.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "wasmgate.h"

static char **words;
static int block;

int32_t wg_plugin_init(const char *config) {
	wg_free_strings(words);
	words = wg_config_strings(config, "words");
	if (!words || !words[0]) return wg_fail("profanity-filter: config: words must be a non-empty list of strings");
	char *action = wg_config_string(config, "action");
	if (action && strcmp(action, "block") != 0 && strcmp(action, "mask") != 0) {
		free(action);
		return wg_fail("profanity-filter: config: action must be mask or block");
	}
	block = action && strcmp(action, "block") == 0;
	free(action);
	return WG_HOOK_REQUEST | WG_HOOK_RESPONSE | WG_HOOK_CHUNK;
}

static int word_char(char c) { return isalnum((unsigned char)c) || c == '_'; }

/* mask replaces every listed word in text with asterisks; returns how many. */
static int mask(char *text) {
	int found = 0;
	for (char **w = words; *w; w++) {
		size_t n = strlen(*w);
		if (n == 0) continue;
		for (char *p = text; *p; p++) {
			if (p > text && word_char(p[-1])) continue;
			if (strncasecmp(p, *w, n) != 0 || word_char(p[n])) continue;
			memset(p, '*', n);
			found++;
			p += n - 1;
		}
	}
	return found;
}

WG_ON_REQUEST {
	int count = wg_message_count();
	for (int i = 0; i < count; i++) {
		char *role = wg_message_role(i);
		int user = role && strcmp(role, "user") == 0;
		free(role);
		if (!user) continue;
		char *text = wg_message_content(i);
		if (text && mask(text) > 0) {
			if (block) {
				free(text);
				return wg_error(400, "invalid_request_error", "the request contains blocked words");
			}
			if (wg_set_message_content(i, text) != 0) {
				free(text);
				return wg_error(500, "plugin_error", "profanity-filter: cannot rewrite a message");
			}
		}
		free(text);
	}
	return WG_CONTINUE;
}

WG_ON_RESPONSE {
	char *text = wg_response_content();
	if (text && mask(text) > 0) wg_response_set_content(text);
	free(text);
	return WG_CONTINUE;
}

WG_ON_CHUNK {
	char *text = wg_chunk_content();
	if (text && mask(text) > 0) wg_chunk_set_content(text);
	free(text);
	return WG_CONTINUE;
}
