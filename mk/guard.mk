# PII redaction and guardrails: the two plugins, and the native detection
# package the gateway links from the pdk module (its changes rebuild the
# gateway binary and the plugins).
DETECT_FILES := $(shell find pdk/go/detect -name '*.go' -not -name '*_test.go')
$(BIN): $(DETECT_FILES)
PLUGINS += pii
PLUGINS += guardrails
