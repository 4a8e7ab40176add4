# lib/store: the collector's store interface and its backends.
store-y += store.o store_query.o store_fleet.o store_json.o store_hosts.o
store-$(CONFIG_STORE_SQLITE) += store_sqlite.o
pkgs-$(CONFIG_STORE_SQLITE) += sqlite3
store-$(CONFIG_STORE_POSTGRES) += store_pg.o store_pg_write.o store_pg_query.o
pkgs-$(CONFIG_STORE_POSTGRES) += libpq
