# lib/parse: the crash parser (always built: every source needs it).
parse-y += oops.o oops_line.o oops_header.o oops_frame.o oops_guilty.o oops_title.o oops_normalize.o oops_json.o
parse-y += signature.o
# Addresses out of report text before it leaves the device (redact = yes).
parse-$(CONFIG_REDACT) += redact.o
