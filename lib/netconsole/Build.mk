# lib/netconsole: the netconsole protocol decoder and its receiver.
netconsole-$(CONFIG_NETCONSOLE) += ncon.o ncon_senders.o ncon_rx.o
