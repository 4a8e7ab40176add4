# web/: oops-web, the dashboard, JSON API and metrics (CONFIG_WEB).
web-y += main.o config.o auth.o out.o pages.o metrics.o counters.o
pkgs-$(CONFIG_WEB) += libmicrohttpd libcrypt
