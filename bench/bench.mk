# `make bench`: mod_posthog_secure side by side with stock httpd (wrk on
# loopback), plus startup time, memory and the micro-benchmarks.  Not part
# of `make test`; takes about 12 minutes on 2 cores.  See docs/PERFORMANCE.md.
.PHONY: bench

bench: $(MODULE) bench/bench_ip_set bench/bench_cookie bench/bench_path_set \
       bench/bench_metrics
	MODULE=$(MODULE) perl bench/httpd-bench

# Configuration load: 100,000 directive lines against the same list from a
# file (`apachectl configtest` time).
.PHONY: bench-config
bench-config: $(MODULE)
	MODULE=$(MODULE) perl bench/config-load

# The module's check_config against the number of vhosts (250 to 2,000),
# counted under callgrind: per-vhost figures that stay flat are a linear
# load.  t/config_load.t checks it.
.PHONY: bench-config-vhosts
bench-config-vhosts: $(MODULE)
	MODULE=$(MODULE) perl bench/config-vhosts

# Instructions per request under callgrind (A, B, C, nginx; IPv4 and IPv6;
# K = 10 to 1M), and the module's share by hook.  See docs/PERFORMANCE.md.
.PHONY: bench-instructions
bench-instructions: $(MODULE)
	MODULE=$(MODULE) perl bench/instructions
