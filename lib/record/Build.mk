# lib/record: the crash record codec and its dictionary (always built).
record-y += pbutil.o record_pack.o record_unpack.o record_json.o record_dict.o
