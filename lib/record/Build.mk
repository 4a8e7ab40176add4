# lib/record: the crash record codec and its dictionary (always built).
record-y += pbutil.o record.o record_dict.o
