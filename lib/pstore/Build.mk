# lib/pstore: the crashes the previous boot left in pstore.
pstore-$(CONFIG_PSTORE) += pstore.o pstore_name.o pstore_group.o pstore_item.o pstore_decode.o pstore_record.o
pkgs-$(CONFIG_PSTORE_LZ4) += liblz4
pkgs-$(CONFIG_PSTORE_ZSTD) += libzstd
